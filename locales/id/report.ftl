## /lapor: the visit report form.

strategy-pengurangan_beban = 1. Pengurangan beban pengeluaran masyarakat
strategy-peningkatan_pendapatan = 2. Peningkatan pendapatan masyarakat
strategy-pengurangan_kantong_kemiskinan = 3. Pengurangan kantong-kantong kemiskinan
strategy-short-pengurangan_beban = Beban pengeluaran
strategy-short-peningkatan_pendapatan = Pendapatan
strategy-short-pengurangan_kantong_kemiskinan = Kantong kemiskinan

command-report = Laporkan kunjungan ke desa dampingan
command-history = Riwayat laporan saya

report-staff-only = Pelaporan kunjungan hanya untuk petugas lapangan perangkat daerah.
report-no-villages = Perangkat daerah Anda ({ $agency }) belum mempunyai desa/kelurahan dampingan yang aktif, jadi belum ada yang bisa dilaporkan. Mintalah admin Dampingan di Bappeda untuk mencatat penugasan desa dampingan { $agency }.
report-only-village = Desa dampingan: <b>{ $village }</b>
report-resumed = Melanjutkan laporan Anda yang belum selesai. Semua isian sebelumnya masih tersimpan. (/batal untuk membuang laporan ini.)
report-no-draft = Tidak ada laporan yang sedang diisi. Ketik /lapor untuk memulai.
report-answer-not-recorded = ⚠️ Jawaban itu belum dicatat: pertanyaan berikut mungkin belum sampai ke Anda karena gangguan jaringan. Mohon jawab pertanyaan ini:
report-already-sent = Laporan ini sudah terkirim dengan nomor { $reference }. Lihat /riwayat.
report-cancelled = Laporan dibatalkan dan dihapus. Ketik /lapor kapan saja untuk memulai lagi.
report-activity-prefix = Kegiatan { $n } — { "" }

report-ask-village = 📍 Desa/kelurahan mana yang Anda kunjungi?
report-ask-date =
    📅 Tanggal kunjungan?
    Pilih tombol, atau ketik tanggalnya, misalnya <code>7/9/2026</code> atau <code>7 September 2026</code>. Paling lama { $limit } hari yang lalu.
report-date-today = Hari ini ({ $date })
report-date-yesterday = Kemarin ({ $date })
report-ask-strategy = { $prefix }🎯 Strategi mana yang dijalankan dalam kegiatan ini?
report-strategy-explain = ℹ️ Penjelasan
report-strategy-explanations =
    <b>Tiga strategi Inpres 4/2022</b>
    <b>1. Pengurangan beban pengeluaran</b> — bantuan sosial dan subsidi agar pengeluaran keluarga berkurang: PBI JKN, PKH, sembako/BPNT, KIP/PIP, BLT Dana Desa.
    <b>2. Peningkatan pendapatan</b> — pemberdayaan agar penghasilan keluarga naik: pelatihan vokasi, UMKM, padat karya, KUR, BUMDes.
    <b>3. Pengurangan kantong kemiskinan</b> — layanan dan infrastruktur dasar di wilayah miskin: air bersih, jamban, RTLH, listrik, jalan lingkungan.
report-ask-activity = { $prefix }Kegiatan apa yang dilakukan? (strategi: { $strategy })
report-activity-other-button = ✏️ Lainnya…
report-activity-other = Kegiatan lain
report-ask-activity-other = ✏️ Tuliskan nama kegiatannya (paling banyak { $maximum } karakter).
report-ask-households = { $prefix }👪 Berapa <b>keluarga (KK)</b> yang dijangkau? Ketik angka, misalnya <code>12</code>. Ketik <code>0</code> jika tidak ada.
report-ask-people = 🧑‍🤝‍🧑 Berapa <b>orang/jiwa</b> yang dijangkau? Ketik angka, atau tekan Lewati.
report-people-skip = Lewati
report-ask-description = { $prefix }📝 Uraikan apa yang dilakukan dan ditemukan ({ $minimum }–{ $maximum } karakter).
report-ask-photos =
    { $prefix }📷 Kirim foto kegiatan: minimal 1, maksimal { $maximum }. Boleh beberapa sekaligus.
    Sudah diterima: { $count } foto.
report-photos-received = 📷 { $count } foto diterima (maksimal { $maximum }). Kirim lagi, atau tekan Selesai.
report-photos-done = ✅ Selesai ({ $count } foto)
report-more-add = ➕ Tambah kegiatan lain
report-ask-location = 📍 Bagikan lokasi Anda saat ini dengan tombol di bawah, atau lewati.
report-location-share = 📍 Kirim lokasi saya
report-location-skip = Lewati lokasi
report-going-back = Kembali ke langkah sebelumnya.

report-summary =
    <b>Periksa laporan Anda</b>

    🏘 Desa: <b>{ $village }</b>
    📅 Tanggal: { $date }
    { $location }

    { $activities }

    Jika sudah benar, tekan Kirim.
report-sent =
    ✅ <b>Laporan terkirim.</b> Nomor laporan: <b>{ $reference }</b>

    🏘 { $village } · 📅 { $date } · 📷 { $photos } foto
    { $location }

    { $activities }
report-summary-activity =
    <b>Kegiatan { $n }</b>
    🎯 { $strategy }
    🛠 { $activity }
    👪 { $households } KK · { $people } jiwa
    📝 { $description }
    📷 { $photos } foto
report-summary-location = 📍 Lokasi: { $lat }, { $lon }
report-summary-no-location = 📍 Lokasi: tidak dibagikan
report-send = ✅ Kirim
report-edit = ✏️ Ubah
report-cancel = ✖️ Batal
report-cancel-confirm = Buang laporan ini beserta semua fotonya?
report-cancel-yes = Ya, buang
report-cancel-no = Tidak, kembali
report-ask-edit = Bagian mana yang ingin diubah?
report-edit-village = Desa
report-edit-date = Tanggal
report-edit-location = Lokasi
report-edit-strategy = Strategi/kegiatan { $n }
report-edit-figures = Penerima { $n }
report-edit-description = Uraian { $n }
report-edit-photos = Foto { $n }
report-edit-remove = 🗑 Hapus kegiatan { $n }
report-edit-done = ◀️ Kembali ke ringkasan

input-village-not-yours = Desa itu bukan desa dampingan perangkat daerah Anda. Pilih dari tombol yang ada.
input-nothing-before = Ini langkah pertama; tidak ada langkah sebelumnya.
input-unknown-choice = Pilihan itu tidak dikenal. Gunakan tombol pada pertanyaan terakhir.
input-people-fewer-than-households = Jumlah orang tidak mungkin lebih sedikit dari jumlah keluarga ({ $households } KK).
input-photo-not-an-image = File itu bukan gambar. Kirim foto (JPG atau PNG).
input-photo-expected = Yang diperlukan di sini adalah foto. Stiker, video, suara atau teks tidak bisa dipakai sebagai foto kegiatan.
input-photo-duplicate = Foto ini sudah diterima sebelumnya.
input-photo-limit = Sudah { $maximum } foto, itu batas maksimal untuk satu kegiatan. Tekan Selesai untuk melanjutkan.
input-photo-at-least-one = Kirim minimal satu foto kegiatan terlebih dahulu.
input-activity-limit = Satu kunjungan paling banyak berisi { $maximum } kegiatan.
input-location-expected = Tekan tombol "📍 Kirim lokasi saya" di bawah, atau "Lewati lokasi".
input-report-incomplete = Laporan belum lengkap. Silakan lengkapi bagian yang diminta.
input-text-expected = Yang diperlukan di sini adalah teks yang diketik.
input-use-buttons = Silakan jawab dengan tombol pada pertanyaan di bawah ini.

history-empty = Anda belum mengirim laporan. Ketik /lapor untuk melaporkan kunjungan.
history-list =
    <b>{ $count } laporan terakhir Anda</b>

    { $lines }

    Tekan nomor laporan untuk melihat rinciannya dan fotonya.
history-line = <b>{ $reference }</b> · { $date } · { $village } · { $strategies } · { $activities } · 📷 { $photos }
history-report =
    <b>Laporan { $reference }</b>

    🏘 { $village } · 📅 { $date } · 📷 { $photos } foto
    { $location }

    { $activities }
history-photos-caption = { $reference } — foto kegiatan { $n }

input-date-unreadable = Tanggal itu tidak dapat dibaca. Tulis misalnya <code>7/9/2026</code>, <code>07-09-2026</code> atau <code>7 September 2026</code> (tanggal dulu, lalu bulan).
input-date-future = Tanggal kunjungan tidak boleh di masa depan (hari ini { $today }).
input-date-too-old = Tanggal itu lebih dari { $days } hari yang lalu. Kunjungan paling lama { $limit } yang bisa dilaporkan; untuk yang lebih lama hubungi admin.
input-number-unreadable = Ketik jumlahnya sebagai angka, misalnya <code>12</code>.
input-number-negative = Jumlah tidak boleh negatif.
input-number-too-large = Jumlah itu terlalu besar (paling banyak { $maximum }). Periksa lagi angkanya.
input-number-not-whole = Jumlah harus bilangan bulat, misalnya <code>12</code>.
input-text-too-short = Teks terlalu pendek ({ $length } karakter); paling sedikit { $minimum } karakter.
input-text-too-long = Teks terlalu panjang ({ $length } karakter); paling banyak { $maximum } karakter. Persingkat dan kirim lagi.
input-location-unreadable = Lokasi itu tidak dapat dibaca. Gunakan tombol "📍 Kirim lokasi saya".
input-photo-corrupt = Gambar itu rusak atau tidak lengkap dan tidak dapat dibuka. Coba kirim lagi. Foto yang sudah diterima tetap tersimpan.
input-photo-download-failed = Foto itu tidak dapat diambil dari Telegram karena gangguan jaringan. Mohon kirim ulang foto itu; foto yang sudah diterima tetap tersimpan.
input-photo-too-large-bytes = File itu terlalu besar (paling besar { $limit_mb } MB). Kirim sebagai foto biasa, bukan sebagai file.
input-photo-too-many-pixels = Gambar itu terlalu besar (lebih dari { $limit_mp } megapiksel). Kirim sebagai foto biasa, bukan sebagai file.
input-photo-too-small = Gambar itu terlalu kecil ({ $width }×{ $height } piksel; paling sedikit { $minimum } piksel per sisi).
input-photo-unsupported-format = Format gambar { $format } belum didukung. Kirim sebagai foto biasa (JPG).
