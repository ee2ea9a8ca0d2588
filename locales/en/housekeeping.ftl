## Housekeeping: unfinished reports left untouched (jobs/maintenance.py).

housekeeping-draft-reminder =
    ⏳ <b>Your visit report is unfinished</b>
    Village: { $village }
    Started: { $started }

    This report has not been changed for a long time. Unless you continue it, it will be discarded automatically, photos included, in { $days ->
        [one] { $days } day
       *[other] { $days } days
    }, on { $deadline }.

    Type /report to continue and send it, or /cancel to discard it now.
