## Housekeeping: unfinished reports left untouched (jobs/maintenance.py).

housekeeping-draft-reminder =
    ⏳ <b>Laporan kunjungan Anda belum selesai</b>
    Desa/kelurahan: { $village }
    Mulai diisi: { $started }

    Laporan ini sudah lama tidak diubah. Jika tetap tidak dilanjutkan, laporan ini beserta fotonya akan dibuang otomatis dalam { $days } hari, pada { $deadline }.

    Ketik /lapor untuk melanjutkan dan mengirimnya, atau /batal untuk membuangnya sekarang.
