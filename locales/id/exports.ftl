## Ekspor (/ekspor, `dampingan export`): judul kolom, nama lembar dan lembar filter.

command-export = Ekspor laporan (XLSX, CSV, GeoJSON, foto)

export-col-reference = Nomor
export-col-version = Versi
export-col-review_status = Status tinjauan
export-col-submitted_at = Dikirim
export-col-visit_date = Tanggal kunjungan
export-col-kecamatan_code = Kode kecamatan
export-col-kecamatan = Kecamatan
export-col-village_code = Kode desa/kelurahan
export-col-village = Desa/kelurahan
export-col-agency = Perangkat daerah
export-col-author = Petugas
export-col-strategy = Strategi
export-col-activity = Kegiatan
export-col-activity_other = Kegiatan lain
export-col-households = KK
export-col-people = Jiwa
export-col-description = Uraian
export-col-latitude = Lintang
export-col-longitude = Bujur
export-col-distance_km = Jarak ke desa (km)
export-col-photos = Foto
export-col-flags = Catatan bukti
export-photo-col-reference = Nomor
export-photo-col-file = Berkas dalam ZIP
export-photo-col-sha256 = SHA-256
export-photo-col-taken_at = Waktu pengambilan
export-photo-col-exif_latitude = Lintang EXIF
export-photo-col-exif_longitude = Bujur EXIF
export-sheet-reports = Laporan
export-sheet-photos = Foto
export-sheet-filters = Filter
export-filter-from = Kunjungan dari
export-filter-to = Kunjungan sampai
export-filter-kecamatan = Kecamatan
export-filter-agency = Perangkat daerah
export-filter-strategy = Strategi
export-filter-review = Status tinjauan
export-filter-all = Semua
export-filter-made-at = Dibuat pada

## /ekspor di obrolan.
export-not-allowed = Hanya admin dan koordinator yang dapat mengekspor laporan.
export-out-of-scope = Kecamatan itu di luar wilayah Anda.
export-bad-choice = Pilihan itu tidak dikenal (tombol lama atau palsu). Mulai lagi dengan /ekspor.
export-choose-period = Ekspor laporan periode mana?
export-period-this_month = Bulan ini
export-period-last_month = Bulan lalu
export-period-this_year = Tahun ini
export-period-typed = 🗓 Tanggal lain (ketik)
export-ask-dates = 📤🗓 #{ $filters } Balas pesan ini dengan tanggal kunjungan awal dan akhir, dipisah spasi, misalnya <code>1-1-2026 31-3-2026</code> (boleh juga satu tanggal per baris, atau <code>1-1-2026 s.d. 31-3-2026</code>). Tanggal awal paling lambat hari ini; periode paling lama 2 tahun ({ $days } hari).
export-dates-placeholder = 1-1-2026 31-3-2026
export-dates-unreadable = Tanggal tidak terbaca. Tulis dua tanggal, awal dan akhir, misalnya 1-1-2026 31-3-2026, lalu balas lagi pertanyaan di atas.
export-dates-reversed = Tanggal akhir ({ $end }) sebelum tanggal awal ({ $start }). Tulis tanggal awal lebih dulu, lalu balas lagi pertanyaan di atas.
export-dates-future = Tanggal awal ({ $start }) belum tiba: paling lambat hari ini ({ $today }). Balas lagi pertanyaan di atas.
export-dates-too-long = Periode { $start } – { $end } terlalu panjang: paling lama 2 tahun. Untuk periode lebih panjang, gunakan <code>dampingan export</code> di server. Balas lagi pertanyaan di atas.
export-filters =
    <b>Ekspor laporan</b>
    Periode kunjungan: { $period }
    Kecamatan: { $kecamatan }
    Perangkat daerah: { $agency }
    Strategi: { $strategy }
    Status tinjauan: { $review }
    Ubah filter dengan tombol di bawah, lalu pilih format untuk membuat berkas.
export-change-period = 🗓 Periode
export-change-kecamatan = 📍 Kecamatan
export-change-agency = 🏛 Perangkat daerah
export-change-strategy = 🎯 Strategi
export-change-review = 🔎 Status tinjauan
export-choose-kecamatan = Kecamatan mana?
export-all-kecamatan = Seluruh kabupaten
export-choose-agency = Perangkat daerah mana?
export-all-agencies = Semua perangkat daerah
export-choose-strategy = Strategi mana?
export-all-strategies = Semua strategi
export-choose-review = Status tinjauan mana?
export-all-review = Semua status
export-format-xlsx = Lembar kerja (XLSX)
export-format-csv = CSV
export-format-geojson = Titik peta (GeoJSON)
export-format-photos = Foto (ZIP)
export-preparing = Menyiapkan ekspor…
export-empty = Tidak ada laporan terkirim untuk { $period } dengan filter ini.
export-no-photos = Laporan { $period } tidak memiliki foto.
export-caption = { $rows } baris, kunjungan { $period }
export-done = Ekspor terkirim: kunjungan { $period }.
export-photos-progress = Mengemas foto: { $done } dari { $total }…
export-photos-part = Foto, kunjungan { $period } (bagian { $part } dari { $parts })
export-photos-done = { $photos } foto terkirim dalam { $parts } berkas ZIP.{ $missing ->
        [0] {""}
       *[other] {" "}{ $missing } berkas foto hilang dan tidak disertakan.
    }
export-span = { $start } – { $end }
