# Pencadangan malam (jobs/backup.py): pesan ke admin bila gagal.
backup-failed =
    ⚠️ Pencadangan malam { $when } gagal, jadi tidak ada cadangan baru: { $error }
    Cadangan lama tetap disimpan. Periksa folder cadangan dan log bot, atau jalankan <code>dampingan backup FOLDER</code> secara manual.

# /audit: log tindakan admin dan peninjauan.
command-audit = Log tindakan admin dan peninjauan
audit-header = 📜 <b>Log audit</b> — halaman { $page } · { $who }
audit-line = <b>{ $when }</b> · { $actor }
    { $action } · { $target } · { $details }
audit-empty = Belum ada tindakan yang tercatat.
audit-everyone = Semua orang
audit-actor-system = sistem
audit-newer = ◀ Lebih baru
audit-older = Lebih lama ▶
audit-filter = 👤 Saring menurut orang
audit-choose-actor = Pilih orang yang tindakannya ingin dilihat (yang terakhir bertindak di atas):
