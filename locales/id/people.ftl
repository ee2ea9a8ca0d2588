## /pengguna: people management by admins.

command-users = Kelola pengguna: peran, wilayah, aktif atau tidak
people-all = semua peran
people-filter-all = 👥 Semua
people-list = <b>Pengguna</b> ({ $role }): { $total } orang, halaman { $page } dari { $pages }. Ketuk nama untuk melihat kartunya.
people-list-mark = { $active ->
        [yes] ✅
       *[no] ⛔
    }
people-list-line = { $mark } { $name }: { $last }
people-list-last-report = laporan terakhir { $date }
people-list-no-report = belum pernah melapor
people-filter-agency = 🏢 Per perangkat daerah
people-filter-kecamatan = 📍 Per kecamatan
people-filter-anywhere = ✖️ Semua wilayah
people-filter-kecamatan-label = Kec. { $kecamatan }
people-filter-both = { $role }, { $where }
people-choose-filter-agency = Tampilkan petugas perangkat daerah mana? (halaman { $page } dari { $pages })
people-choose-filter-kecamatan = Tampilkan pengguna kecamatan mana: koordinatornya dan petugas perangkat daerah yang mendampingi desa di sana? (halaman { $page } dari { $pages })
people-button-search = 🔎 Cari
people-button-search-again = 🔎 Cari lagi
people-search-ask = 🔎👥 Balas pesan ini dengan nama (atau sebagiannya), @username, atau ID Telegram orang yang dicari (paling banyak { $most } huruf).
people-search-placeholder = nama, @username atau ID
people-search-empty = Tidak ada yang bisa dicari. Balas lagi pertanyaan di atas dengan nama, @username atau ID Telegram.
people-search-too-long = Terlalu panjang: paling banyak { $most } huruf. Balas lagi pertanyaan di atas dengan kata yang lebih pendek.
people-search-none = Tidak ada pengguna yang cocok dengan «{ $text }». Balas lagi pertanyaan di atas dengan kata lain.
people-search-found = 🔎 «{ $text }»: { $total } orang. Ketuk nama untuk melihat kartunya.
people-search-more = Ditampilkan { $shown } pertama dari { $total }: persempit pencarian untuk melihat yang lain.
people-language-id = Bahasa Indonesia
people-language-en = Bahasa Inggris
people-card =
    <b>{ $name }</b>{ $username ->
        [none] {""}
       *[other] {" "}(@{ $username })
    }
    Peran: { $scope }
    Bahasa: { $language }
    Status: { $active ->
        [yes] ✅ aktif
       *[no] ⛔ nonaktif
    }
    { $invited }
    { $last_report }
people-card-invited = Diundang oleh { $by }, bergabung { $when }
people-card-not-invited = Terdaftar sebagai admin dari pengaturan (tanpa undangan)
people-card-last-report = Laporan terakhir: { $reference }, { $when }
people-card-no-report = Belum pernah mengirim laporan
people-button-deactivate = ⛔ Nonaktifkan
people-button-reactivate = ✅ Aktifkan kembali
people-button-role = 🔁 Ubah peran
people-confirm-deactivate = Nonaktifkan <b>{ $name }</b>? Mulai saat itu ia ditolak oleh bot dan tidak menerima pengingat maupun ringkasan. Laporannya tetap tersimpan.
people-confirm-reactivate = Aktifkan kembali <b>{ $name }</b>?
people-confirm-change-role = Ubah peran <b>{ $name }</b> menjadi <b>{ $scope }</b>?
people-choose-role = Peran baru untuk { $name }:
people-choose-agency = Perangkat daerah untuk { $name }:
people-choose-kecamatan = Kecamatan yang dikoordinasikan { $name }:
people-done-deactivate = Pengguna dinonaktifkan.
people-done-reactivate = Pengguna diaktifkan kembali.
people-done-role = Peran diubah.
people-refused-self-deactivate = Anda tidak dapat menonaktifkan diri sendiri.
people-refused-own-admin = Anda tidak dapat mencabut peran admin Anda sendiri.
people-refused-last-admin = Ini admin aktif terakhir: angkat admin lain dulu.

## /tugas: which villages each agency accompanies.

command-assign = Atur desa dampingan setiap perangkat daerah
assign-choose-agency = <b>Desa dampingan</b>: pilih perangkat daerah (halaman { $page } dari { $pages }):
assign-overview =
    <b>{ $agency }</b>: desa dampingan saat ini
    { $lines }
assign-overview-empty = <b>{ $agency }</b> belum mempunyai desa dampingan.
assign-line = • { $village } (Kec. { $kecamatan })
assign-line-ending = • { $village } (Kec. { $kecamatan }), sampai { $until }
assign-button-end = ✖️ Akhiri { $village }
assign-button-add = ➕ Tambah desa
assign-choose-kecamatan = Desa baru untuk { $agency }: pilih kecamatan.
assign-choose-village = Desa di Kecamatan { $kecamatan } yang belum didampingi { $agency }:
assign-no-village-left = Semua desa di Kecamatan { $kecamatan } sudah didampingi { $agency }.
assign-confirm-add = Tugaskan <b>{ $agency }</b> mendampingi <b>{ $village }</b> (Kec. { $kecamatan }) mulai { $date }?
assign-confirm-end = Kapan pendampingan <b>{ $village }</b> oleh <b>{ $agency }</b> berakhir? Hari terakhirnya masih bisa dilaporkan.
assign-end-t = Hari ini ({ $date })
assign-end-m = Akhir bulan ini ({ $date })
assign-end-typed = 📅 Tanggal lain (ketik)
assign-ask-date = 🗓 #{ $id } Balas pesan ini dengan tanggal terakhir pendampingan <b>{ $village }</b> oleh <b>{ $agency }</b>, misalnya 31-12-2026.
assign-date-placeholder = HH-BB-TTTT
assign-bad-date = Tanggal itu tidak terbaca. Tulis seperti 31-12-2026, lalu balas lagi pertanyaan di atas.
assign-date-out-of-range = Tanggal itu tidak bisa dipakai: paling awal hari ini ({ $today }) dan tidak sebelum pendampingan dimulai. Balas lagi pertanyaan di atas.
assign-confirm-end-on = Akhiri pendampingan <b>{ $village }</b> oleh <b>{ $agency }</b> pada { $date }?
