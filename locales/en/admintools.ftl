# Nightly backup (jobs/backup.py): the message to the admins when it fails.
backup-failed =
    ⚠️ The nightly backup of { $when } failed, so there is no new backup: { $error }
    The older backups are kept. Check the backup folder and the bot's log, or run <code>dampingan backup FOLDER</code> by hand.
