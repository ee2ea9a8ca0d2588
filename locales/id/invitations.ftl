## /undang: invitations.

invite-choose-role = Undangan baru. Pengguna baru akan berperan sebagai apa?
invite-choose-agency = Pilih perangkat daerah petugas ini (halaman { $page } dari { $pages }):
invite-choose-kecamatan = Pilih kecamatan yang akan dikoordinasikan:
invite-no-agencies = Belum ada perangkat daerah. Impor dulu dengan <code>dampingan import agencies FILE</code>.
invite-no-kecamatan = Belum ada kecamatan. Impor dulu dengan <code>dampingan import regions FILE</code>.
invite-confirm = Buat undangan untuk peran <b>{ $role }</b>? Peran ini dapat melihat data seluruh kabupaten.
invite-cancelled = Pembuatan undangan dibatalkan.
invite-created = ✅ Undangan dibuat untuk: <b>{ $scope }</b>. Tautan dan kode QR dikirim di bawah ini.
invite-link =
    Undangan Dampingan untuk <b>{ $scope }</b>

    Buka tautan ini di Telegram, atau pindai kode QR:
    { $link }

    Hanya bisa dipakai satu kali, berlaku sampai { $expires }. Jangan dibagikan di grup.

invite-problem-unknown = Tautan undangan ini tidak dikenal. Periksa apakah tautannya lengkap, atau mintalah undangan baru kepada admin Dampingan.
invite-problem-used = Tautan undangan ini sudah dipakai. Setiap undangan hanya berlaku untuk satu orang; mintalah undangan baru kepada admin Dampingan.
invite-problem-expired = Tautan undangan ini sudah kedaluwarsa. Mintalah undangan baru kepada admin Dampingan.
