## Shared words and the access gate.

role-staff = Petugas lapangan
role-kecamatan_coordinator = Koordinator kecamatan
role-regency_coordinator = Koordinator kabupaten
role-admin = Admin

scope-agency = { $role } — { $agency }
scope-kecamatan = { $role } — Kecamatan { $kecamatan }
scope-regency = { $role } — Kabupaten Pemalang

access-not-registered =
    Halo { $name }! 👋
    Ini adalah <b>Dampingan</b>, bot pelaporan kunjungan Gerakan Satu Perangkat Daerah Satu Desa/Kelurahan Dampingan Kabupaten Pemalang.

    Bot ini hanya untuk petugas dan koordinator yang sudah terdaftar. Untuk mendapatkan akses, mintalah <b>tautan undangan</b> kepada admin Dampingan di Bappeda atau di perangkat daerah Anda, lalu buka tautan itu di Telegram.
access-not-registered-short = Anda belum terdaftar. Mintalah tautan undangan kepada admin Dampingan.
access-slow-down = Anda mengirim pesan terlalu cepat, jadi pesan-pesan terakhir diabaikan. Silakan tunggu jawaban sebelum mengirim lagi.
access-deactivated =
    Akses Anda ke Dampingan sudah dinonaktifkan. Jika ini keliru, hubungi admin Dampingan di Bappeda.
access-admin-only = Perintah ini hanya untuk admin.
access-admin-only-alert = Maaf, hanya admin yang dapat memakai tombol ini.

button-cancel = ✖️ Batal
button-back = ◀️ Kembali
button-next = Berikutnya ▶️
button-previous = ◀️ Sebelumnya
button-confirm = ✅ Ya, lanjutkan

stale-button = Tombol ini sudah tidak berlaku. Silakan mulai lagi dari menu.
nothing-to-cancel = Tidak ada yang sedang berjalan untuk dibatalkan.
not-understood = Maaf, saya tidak memahami pesan itu. Ketik /bantuan untuk melihat apa yang bisa saya lakukan.
error-generic = Maaf, terjadi kesalahan di sisi kami. Data Anda tetap aman; silakan coba lagi sebentar lagi.
error-database-wait = ⏳ Server data kami sedang tidak dapat dihubungi. Pesan Anda tidak hilang: akan diproses otomatis begitu server pulih, jadi tidak perlu dikirim ulang.
