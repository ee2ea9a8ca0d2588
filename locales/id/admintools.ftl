# Pencadangan malam (jobs/backup.py): pesan ke admin bila gagal.
backup-failed =
    ⚠️ Pencadangan malam { $when } gagal, jadi tidak ada cadangan baru: { $error }
    Cadangan lama tetap disimpan. Periksa folder cadangan dan log bot, atau jalankan <code>dampingan backup FOLDER</code> secara manual.
