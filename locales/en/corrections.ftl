## Corrections: a sent report opened again in the form, sent as its next version; and the
## versions in /history.

correction-button = ✏️ Correct
correction-summary =
    <b>Check the correction of { $original }</b> (version { $old } → { $new })

    🏘 Village: <b>{ $village }</b>
    📅 Date: { $date }
    { $location }

    { $activities }

    🔁 Changes: { $changes }

    Every part can be changed with ✏️ Change. If everything is right, press Send: the report keeps its reference { $original }.
correction-sent =
    ✅ <b>Correction sent.</b> Report <b>{ $reference }</b> is now version { $version }.
    🔁 Changes: { $changes }

    🏘 { $village } · 📅 { $date } · 📷 { $photos } photos
    { $location }

    { $activities }
correction-cancel-confirm = Cancel this correction? The report already sent stays as it was.
correction-cancelled = Correction cancelled. The report already sent stays as it was.
correction-not-yours = That report is not among your reports. Only a report's author can correct it.
correction-verified = Report { $reference } has been verified by a coordinator, so it can no longer be changed.
correction-too-late = Report { $reference } was sent more than 24 hours ago. After that, a report can only be corrected when a coordinator asks for it.
correction-finish-draft-first = You are still filling in another report. Finish and send it, or discard it with /cancel, then press ✏️ Correct again.

history-version-status = v{ $version } · { $status }
history-review-submitted = ⏳ waiting for review
history-review-verified = ✅ verified
history-review-needs-correction = ✏️ needs correction
history-review-resubmitted = ⏳ correction waiting for review
history-version-first = v{ $version } · sent { $sent }
history-version-next = v{ $version } · sent { $sent } — { $changes }
history-review-comment = 💬 Coordinator's note: { $comment }
history-versions =
    <b>Versions of report { $reference }</b> · { $standing }

    { $versions }
    { $comment }{ $correctable ->
        [yes] {"\u000A"}You can still correct this report: press ✏️ Correct.
       *[no] { "" }
    }
report-photos-clear = 🗑 Remove this activity's photos
