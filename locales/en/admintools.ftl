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

# /import: a CSV/XLSX file sent to the bot.
command-import = Import regions, agencies, assignments or activities (CSV/XLSX)
import-send-file = Send a CSV or XLSX file as a document (📎 → File). Then choose what it holds: regions, agencies, assignments or activities. The columns are those of the import in the terminal.
import-choose-kind = File <b>{ $file }</b> received. What does it hold?
import-kind-regions = Regions
import-kind-agencies = Agencies
import-kind-assignments = Assignments
import-kind-activities = Activities
import-too-big = This file is too large (at most { $max } MB).
import-used = This file was imported already. Send it again to import it again.
import-rejected = ❌ <b>{ $file }</b> ({ $kind }) was rejected, nothing was saved. { $count ->
        [one] There is one problem:
       *[other] There are { $count } problems:
    }
import-rejected-more = … and { $count } more.
import-done = ✅ <b>{ $file }</b> ({ $kind }) imported.
import-done-line = { $entity }: { $created } added, { $updated } changed, { $unchanged } left as they were
import-error-line = Line { $line }: { $message }
import-error-unsupported_format = { $file } is neither a .csv nor a .xlsx file.
import-error-unreadable = The file could not be read as { $format }: { $detail }.
import-error-not_utf8 = The file is not UTF-8 text (bad byte at offset { $offset }).
import-error-empty_file = The file is empty; it needs a header row and data rows.
import-error-no_rows = The file has a header but no data rows.
import-error-missing_column = The header has no '{ $column }' column (expected: { $expected }).
import-error-duplicate_column = The header has the column '{ $column }' more than once.
import-error-extra_values = The row has { $count } values but the header has { $columns } columns; does a value containing a comma lack its quotes?
import-error-required = '{ $column }' is empty.
import-error-too_long = '{ $column }' is longer than { $max } characters.
import-error-unknown_level = Level '{ $value }' is not one of { $allowed }.
import-error-unknown_kind = Kind '{ $value }' is not one of { $allowed }.
import-error-unknown_strategy = Strategy '{ $value }' is not one of { $allowed }.
import-error-bad_key = Key '{ $value }' must be 1-40 lower-case letters, digits or underscores, and not 'other'.
import-error-bad_code = '{ $column }' value '{ $value }' is not a { $level } code like { $example }.
import-error-code_parent_mismatch = Code '{ $code }' does not belong under parent '{ $parent }'.
import-error-unknown_parent = Parent kecamatan '{ $parent }' is neither in this file nor in the database.
import-error-second_kabupaten = A second kabupaten row ('{ $code }'); only one kabupaten is supported (the first is on line { $first_line }).
import-error-other_kabupaten = '{ $code }' belongs to kabupaten '{ $found }', but the regions are those of kabupaten '{ $expected }'.
import-error-bad_number = '{ $column }' value '{ $value }' is not a number.
import-error-out_of_range = '{ $column }' value { $value } is outside { $min }..{ $max }.
import-error-duplicate = '{ $column }' value '{ $value }' already appears on line { $first_line }.
import-error-duplicate_short_name = Short name '{ $value }' is also that of agency '{ $other }'.
import-error-unknown_agency = No agency is named or abbreviated '{ $value }'.
import-error-ambiguous_agency = '{ $value }' matches more than one agency: { $matches }.
import-error-unknown_village = No village has the code '{ $value }'.
import-error-duplicate_assignment = '{ $agency }' is already assigned village '{ $village }' on line { $first_line }.
import-error-bad_date = '{ $column }' value '{ $value }' is not a date like 2024-01-31.
import-error-date_order = ends_on { $ends_on } is before starts_on { $starts_on }.
