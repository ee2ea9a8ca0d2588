# Nightly backup (jobs/backup.py): the message to the admins when it fails.
backup-failed =
    ⚠️ The nightly backup of { $when } failed, so there is no new backup: { $error }
    The older backups are kept. Check the backup folder and the bot's log, or run <code>dampingan backup FOLDER</code> by hand.

# /audit: the log of admin and review actions.
command-audit = Log of admin and review actions
audit-header = 📜 <b>Audit log</b> — page { $page } · { $who }
audit-line = <b>{ $when }</b> · { $actor }
    { $action } · { $target } · { $details }
audit-empty = No actions recorded yet.
audit-everyone = Everyone
audit-actor-system = system
audit-newer = ◀ Newer
audit-older = Older ▶
audit-filter = 👤 Filter by person
audit-choose-actor = Choose whose actions to see (the latest to act first):
