## The weekly digest and /ringkasan.

digest-scope-kecamatan = Kecamatan { $kecamatan }
digest-scope-regency = Kabupaten Pemalang
digest-never = belum pernah
digest-no-villages = (belum ada desa dampingan)
digest-no-idle = Tidak ada. 👍
digest-header =
    📊 <b>Ringkasan Dampingan — { $scope }</b>
    { $start } – { $end }

    🚶 Kunjungan: <b>{ $visits }</b> (periode sebelumnya { $visits_before }, { $visits_change })
    👪 Keluarga dijangkau: <b>{ $households }</b> (sebelumnya { $households_before }, { $households_change }) · { $people } jiwa
    📷 Foto: { $photos } (sebelumnya { $photos_before })
digest-title-strategies = <b>Per strategi</b>
digest-title-villages = <b>Desa/kelurahan dampingan</b>
digest-title-idle = <b>⚠️ Perangkat daerah tanpa kunjungan { $idle_days } hari</b>
digest-strategy-line = • { $strategy }: { $visits } kunjungan, { $households } KK (sebelumnya { $before } kunjungan)
digest-village-line = • { $village } ({ $kecamatan }) — { $agencies }: { $visits } kunjungan, terakhir { $last }
digest-idle-line = • { $agency } ({ $villages }) — kunjungan terakhir { $last }
digest-chart-title-strategy = Kunjungan per minggu menurut strategi
digest-chart-title-kecamatan = Kunjungan per minggu menurut kecamatan
digest-chart-caption = 📈 Kunjungan per minggu, { $weeks } minggu terakhir.
digest-collage-caption = 📷 { $count } foto kegiatan pada periode ini.
digest-xlsx-caption = 📎 Daftar laporan periode ini ({ $rows } baris kegiatan).
digest-xlsx-sheet = Laporan
digest-xlsx-headers = Nomor|Tanggal kunjungan|Dikirim|Desa/kelurahan|Kecamatan|Perangkat daerah|Petugas|Strategi|Kegiatan|Kegiatan lain|KK|Jiwa|Uraian|Foto|Lintang|Bujur|Versi|Status tinjauan|Jarak ke desa (km)|Catatan bukti
digest-xlsx-review-submitted = Menunggu tinjauan
digest-xlsx-review-verified = Terverifikasi
digest-xlsx-review-needs_correction = Perlu perbaikan
digest-xlsx-review-resubmitted = Menunggu tinjauan (perbaikan)
digest-xlsx-flag-location_missing = tanpa lokasi
digest-xlsx-flag-location_far = lokasi jauh
digest-xlsx-flag-location_forwarded = lokasi diteruskan
digest-xlsx-flag-location_inaccurate = lokasi kurang akurat
digest-xlsx-flag-photo_reused = foto dipakai ulang
digest-xlsx-flag-photo_exif_time = waktu foto
digest-xlsx-flag-photo_exif_far = posisi foto jauh
digest-xlsx-flag-duplicate_visit = kunjungan ganda
digest-xlsx-flag-no_exif = semua foto terkompresi

## Review and evidence (issue 9): where the period's reports stand, and the map.

digest-title-review = <b>Tinjauan koordinator</b>
digest-review-line = ✅ Terverifikasi: { $verified } · ⏳ Menunggu tinjauan: { $waiting } · ✏️ Perlu perbaikan: { $needs_correction }
digest-flags-line = 🚩 Laporan bertanda peringatan: { $flagged }
digest-flag-line = • { $flag }: { $reports } laporan
digest-flag-location_missing = Lokasi tidak dibagikan
digest-flag-location_far = Lokasi jauh dari desa
digest-flag-location_forwarded = Lokasi diteruskan
digest-flag-location_inaccurate = Lokasi kurang akurat
digest-flag-photo_reused = Foto dipakai ulang
digest-flag-photo_exif_time = Waktu foto tidak cocok dengan tanggal kunjungan
digest-flag-photo_exif_far = Posisi foto jauh dari desa
digest-flag-duplicate_visit = Kunjungan ganda
digest-flag-info-no_exif = ℹ️ { $reports } laporan dengan semua foto terkompresi (tanpa waktu dan tempat pengambilan)
digest-map-title =
    Peta kunjungan — { $scope }
    { $start } – { $end }
digest-map-shading = Kunjungan per kecamatan
digest-map-several = Beberapa strategi
digest-map-at-location = Di lokasi yang dibagikan
digest-map-at-village = Di pusat desa (tanpa lokasi, atau lokasinya di luar peta)
digest-map-caption = 🗺 Peta { $visits } kunjungan periode ini: satu titik per laporan, warna menurut strategi.
digest-map-no-boundaries = Batas kecamatan belum tersedia; titik digambar di atas pusat desa.
digest-map-unplaced = { $count } kunjungan tanpa lokasi dan tanpa titik desa tidak tampil di peta.

summary-choose = Ringkasan untuk periode apa?
summary-this-week = Minggu ini
summary-last-week = Minggu lalu
summary-this-month = Bulan ini
summary-not-allowed = Ringkasan hanya untuk koordinator dan admin.
summary-preparing = ⏳ Menyiapkan ringkasan…
