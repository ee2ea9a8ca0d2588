## /tinjau (/review): coordinators review sent reports (handlers/review.py).

command-review = Tinjau laporan yang menunggu verifikasi

review-not-allowed = Hanya koordinator kecamatan, koordinator kabupaten, dan admin yang dapat meninjau laporan.
review-out-of-scope = Laporan ini bukan wilayah tinjauan Anda.
review-stale = Laporan { $reference } sudah berubah sejak kartu ini dikirim. Buka /tinjau untuk versi terbarunya.
review-already = Laporan { $reference } sudah ditinjau.
review-only-one = Hanya laporan ini yang menunggu tinjauan.
review-queue-empty = ✅ Tidak ada laporan yang menunggu tinjauan.

review-card =
    🔎 <b>Tinjauan laporan { $reference }</b> · versi { $version }{ $resubmitted ->
        [yes] { " " }(dikirim ulang)
       *[no] { "" }
    }

    🏘 Desa: <b>{ $village }</b>, Kec. { $kecamatan }
    🏢 Instansi: { $agency }
    👤 Pelapor: { $author }
    📅 Tanggal kunjungan: { $date }
    { $location }

    { $activities }

    <b>Tanda:</b>
    { $flags }
    { $changes }
    📋 Menunggu tinjauan: { $left } laporan
review-card-changes = 🔁 Perubahan dari versi { $previous }: { $changes }
review-card-no-flags = tidak ada
review-card-location = 📍 Lokasi: { $lat }, { $lon } — { $km } km dari desa
review-card-location-only = 📍 Lokasi: { $lat }, { $lon }
review-card-no-location = 📍 Tidak ada lokasi
review-album-caption = Foto laporan { $reference }

review-verify = ✅ Terverifikasi
review-correct = ✏️ Perlu perbaikan
review-next = ⏭ Lewati
review-location = 📍 Lokasi
review-originals = 🖼 Foto asli
review-settings = ⚙️ Pemberitahuan

review-verified-short = Terverifikasi
review-verified = ✅ Laporan { $reference } terverifikasi.
review-ask-comment = ✏️ Apa yang perlu diperbaiki pada laporan { $reference }? Ketik komentar untuk pelapor ({ $min }–{ $max } karakter), atau /batal.
review-comment-too-short = Komentar terlalu pendek: tulis minimal { $min } karakter, atau /batal.
review-comment-too-long = Komentar terlalu panjang: paling banyak { $max } karakter.
review-comment-expected = Ketik komentar untuk pelapor sebagai teks ({ $min }–{ $max } karakter), atau /batal.
review-comment-stale = Laporan ini sudah berubah atau sudah ditinjau orang lain; komentar tidak dikirim. Buka /tinjau untuk melanjutkan.
review-comment-cancelled = Komentar dibatalkan. Laporan tetap di antrean tinjauan.
review-correction-sent = ✏️ Laporan { $reference } dikembalikan ke pelapor untuk diperbaiki.
review-correction-request =
    ✏️ <b>Laporan { $reference } perlu diperbaiki</b> (versi { $version })

    Komentar dari { $reviewer }:
    { $comment }

    Tekan tombol di bawah untuk memperbaiki dan mengirim ulang laporan.
review-fix-button = ✏️ Perbaiki laporan

review-open-queue = 🔎 Buka antrean tinjauan
review-notify-each = Setiap laporan masuk
review-notify-daily = Ringkasan harian pukul 16.00
review-notify-none = Tanpa pemberitahuan
review-notify-current = ⚙️ <b>Pemberitahuan laporan baru</b>
    Pilihan saat ini: { $choice }
review-notify-saved = Tersimpan
review-notice-new = 📥 Laporan baru menunggu tinjauan: { $reference } (versi { $version }), { $village }.
review-notice-daily = 📋 { $count } laporan menunggu tinjauan Anda.
