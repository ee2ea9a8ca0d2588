## Corrections: a sent report opened again in the form, sent as its next version; and the
## versions in /riwayat.

correction-button = ✏️ Perbaiki
correction-summary =
    <b>Periksa perbaikan { $original }</b> (versi { $old } → { $new })

    🏘 Desa: <b>{ $village }</b>
    📅 Tanggal: { $date }
    { $location }

    { $activities }

    🔁 Perubahan: { $changes }

    Semua bagian dapat diubah dengan ✏️ Ubah. Jika sudah benar, tekan Kirim: laporan tetap bernomor { $original }.
correction-sent =
    ✅ <b>Perbaikan terkirim.</b> Laporan <b>{ $reference }</b> kini versi { $version }.
    🔁 Perubahan: { $changes }

    🏘 { $village } · 📅 { $date } · 📷 { $photos } foto
    { $location }

    { $activities }
correction-cancel-confirm = Batalkan perbaikan ini? Laporan yang sudah terkirim tetap seperti semula.
correction-cancelled = Perbaikan dibatalkan. Laporan yang sudah terkirim tetap seperti semula.
correction-not-yours = Laporan itu tidak ditemukan di antara laporan Anda. Hanya penulis laporan yang dapat memperbaikinya.
correction-verified = Laporan { $reference } sudah diverifikasi koordinator, sehingga tidak dapat diubah lagi.
correction-too-late = Laporan { $reference } dikirim lebih dari 24 jam yang lalu. Setelah itu laporan hanya dapat diperbaiki jika koordinator memintanya.
correction-finish-draft-first = Anda masih mengisi laporan lain. Selesaikan dan kirim laporan itu, atau buang dengan /batal, lalu tekan lagi tombol ✏️ Perbaiki.

history-version-status = v{ $version } · { $status }
history-review-submitted = ⏳ menunggu pemeriksaan
history-review-verified = ✅ terverifikasi
history-review-needs-correction = ✏️ perlu perbaikan
history-review-resubmitted = ⏳ perbaikan menunggu pemeriksaan
history-version-first = v{ $version } · dikirim { $sent }
history-version-next = v{ $version } · dikirim { $sent } — { $changes }
history-review-comment = 💬 Catatan koordinator: { $comment }
history-versions =
    <b>Versi laporan { $reference }</b> · { $standing }

    { $versions }
    { $comment }{ $correctable ->
        [yes] {"\u000A"}Laporan ini masih dapat Anda perbaiki: tekan ✏️ Perbaiki.
       *[no] { "" }
    }
report-photos-clear = 🗑 Hapus foto kegiatan ini
