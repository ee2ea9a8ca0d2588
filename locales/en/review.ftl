## /tinjau (/review): coordinators review sent reports (handlers/review.py).

command-review = Review reports waiting for verification

review-not-allowed = Only kecamatan coordinators, regency coordinators and admins can review reports.
review-out-of-scope = This report is outside the area you review.
review-stale = Report { $reference } has changed since this card was sent. Open /review for its latest version.
review-already = Report { $reference } has already been reviewed.
review-only-one = This is the only report waiting for review.
review-queue-empty = ✅ No reports are waiting for review.

review-card =
    🔎 <b>Review of report { $reference }</b> · version { $version }{ $resubmitted ->
        [yes] { " " }(resubmitted)
       *[no] { "" }
    }

    🏘 Village: <b>{ $village }</b>, Kec. { $kecamatan }
    🏢 Agency: { $agency }
    👤 Author: { $author }
    📅 Visit date: { $date }
    { $location }

    { $activities }

    <b>Flags:</b>
    { $flags }
    { $changes }
    📋 Waiting for review: { $left } report(s)
review-card-changes = 🔁 Changes since version { $previous }: { $changes }
review-card-no-flags = none
review-card-location = 📍 Location: { $lat }, { $lon } — { $km } km from the village
review-card-location-only = 📍 Location: { $lat }, { $lon }
review-card-no-location = 📍 No location
review-album-caption = Photos of report { $reference }

review-verify = ✅ Verified
review-correct = ✏️ Needs correction
review-next = ⏭ Next
review-location = 📍 Location
review-originals = 🖼 Original photos
review-settings = ⚙️ Notifications

review-verified-short = Verified
review-verified = ✅ Report { $reference } verified.
review-ask-comment = ✏️ What must be corrected in report { $reference }? Type a comment for the author ({ $min }–{ $max } characters), or /cancel.
review-comment-too-short = The comment is too short: write at least { $min } characters, or /cancel.
review-comment-too-long = The comment is too long: at most { $max } characters.
review-comment-expected = Type the comment for the author as text ({ $min }–{ $max } characters), or /cancel.
review-comment-stale = This report has changed or was reviewed by someone else; the comment was not sent. Open /review to continue.
review-comment-cancelled = Comment cancelled. The report stays in the review queue.
review-correction-sent = ✏️ Report { $reference } was sent back to its author for correction.
review-correction-request =
    ✏️ <b>Report { $reference } needs correction</b> (version { $version })

    Comment from { $reviewer }:
    { $comment }

    Press the button below to correct and resend the report.
review-fix-button = ✏️ Correct the report

review-open-queue = 🔎 Open the review queue
review-notify-each = Each report as it arrives
review-notify-daily = Daily summary at 16:00
review-notify-none = No notifications
review-notify-current = ⚙️ <b>Notifications of new reports</b>
    Current choice: { $choice }
review-notify-saved = Saved
review-notice-new = 📥 New report waiting for review: { $reference } (version { $version }), { $village }.
review-notice-daily = 📋 { $count } report(s) waiting for your review.
