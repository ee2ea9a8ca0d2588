## /report: the visit report form.

strategy-pengurangan_beban = 1. Reducing household spending
strategy-peningkatan_pendapatan = 2. Raising household income
strategy-pengurangan_kantong_kemiskinan = 3. Reducing pockets of poverty
strategy-short-pengurangan_beban = Spending
strategy-short-peningkatan_pendapatan = Income
strategy-short-pengurangan_kantong_kemiskinan = Poverty pockets

command-report = Report a visit to an assisted village
command-history = My past reports

report-staff-only = Visit reports are for agency field staff only.
report-no-villages = Your agency ({ $agency }) has no active assisted village yet, so there is nothing to report on. Ask the Dampingan admin at Bappeda to record { $agency }'s village assignments.
report-only-village = Assisted village: <b>{ $village }</b>
report-resumed = Continuing your unfinished report. Everything you entered is still there. (/cancel to throw this report away.)
report-no-draft = No report is being filled in. Type /report to start one.
report-answer-not-recorded = ⚠️ That answer was not recorded: the question below may not have reached you because of a network problem. Please answer this question:
report-already-sent = This report was already sent as { $reference }. See /history.
report-cancelled = The report was cancelled and deleted. Type /report any time to start again.
report-activity-prefix = Activity { $n } — { "" }

report-ask-village = 📍 Which village did you visit?
report-ask-date =
    📅 Date of the visit?
    Choose a button, or type the date, e.g. <code>7/9/2026</code> or <code>7 September 2026</code>. At most { $limit } days ago.
report-date-today = Today ({ $date })
report-date-yesterday = Yesterday ({ $date })
report-ask-strategy = { $prefix }🎯 Which strategy did this activity serve?
report-strategy-explain = ℹ️ Explain
report-strategy-explanations =
    <b>The three strategies of Inpres 4/2022</b>
    <b>1. Reducing household spending</b> — social assistance and subsidies that cut what families spend: PBI JKN, PKH, food assistance, KIP/PIP, village-fund cash transfers.
    <b>2. Raising household income</b> — empowerment that raises what families earn: vocational training, small business, cash-for-work, credit, village enterprises.
    <b>3. Reducing pockets of poverty</b> — basic services and infrastructure in poor areas: clean water, latrines, housing repair, electricity, neighbourhood roads.
report-ask-activity = { $prefix }What was done? (strategy: { $strategy })
report-activity-other-button = ✏️ Other…
report-activity-other = Other activity
report-ask-activity-other = ✏️ Type the name of the activity (at most { $maximum } characters).
report-ask-households = { $prefix }👪 How many <b>households</b> were reached? Type a number, e.g. <code>12</code>. Type <code>0</code> if none.
report-ask-people = 🧑‍🤝‍🧑 How many <b>people</b> were reached? Type a number, or press Skip.
report-people-skip = Skip
report-ask-description = { $prefix }📝 Describe what was done and found ({ $minimum }–{ $maximum } characters).
report-ask-photos =
    { $prefix }📷 Send photos of the activity: at least 1, at most { $maximum }. Several at once is fine.
    Received so far: { $count } photos.
report-photos-received = 📷 { $count } photos received (at most { $maximum }). Send more, or press Done.
report-photos-done = ✅ Done ({ $count } photos)
report-more-add = ➕ Add another activity
report-ask-location = 📍 Share your current location with the button below, or skip.
report-location-share = 📍 Send my location
report-location-skip = Skip location
report-going-back = Back to the previous step.

report-summary =
    <b>Check your report</b>

    🏘 Village: <b>{ $village }</b>
    📅 Date: { $date }
    { $location }

    { $activities }

    If everything is right, press Send.
report-sent =
    ✅ <b>Report sent.</b> Reference: <b>{ $reference }</b>

    🏘 { $village } · 📅 { $date } · 📷 { $photos } photos
    { $location }

    { $activities }
report-summary-activity =
    <b>Activity { $n }</b>
    🎯 { $strategy }
    🛠 { $activity }
    👪 { $households } households · { $people } people
    📝 { $description }
    📷 { $photos } photos
report-summary-location = 📍 Location: { $lat }, { $lon }
report-summary-no-location = 📍 Location: not shared
report-send = ✅ Send
report-edit = ✏️ Change
report-cancel = ✖️ Cancel
report-cancel-confirm = Throw this report away, with all its photos?
report-cancel-yes = Yes, throw away
report-cancel-no = No, go back
report-ask-edit = What would you like to change?
report-edit-village = Village
report-edit-date = Date
report-edit-location = Location
report-edit-strategy = Strategy/activity { $n }
report-edit-figures = Beneficiaries { $n }
report-edit-description = Description { $n }
report-edit-photos = Photos { $n }
report-edit-remove = 🗑 Remove activity { $n }
report-edit-done = ◀️ Back to the summary

input-village-not-yours = That village is not one of your agency's assisted villages. Choose one of the buttons.
input-nothing-before = This is the first step; there is nothing before it.
input-unknown-choice = That choice is not known. Use the buttons of the latest question.
input-people-fewer-than-households = The number of people cannot be lower than the number of households ({ $households }).
input-photo-not-an-image = That file is not an image. Send a photo (JPG or PNG).
input-photo-expected = A photo is needed here. Stickers, videos, voice messages or text cannot be used as activity photos.
input-photo-duplicate = This photo was already received.
input-photo-limit = That makes { $maximum } photos, the most one activity can have. Press Done to continue.
input-photo-at-least-one = Send at least one photo of the activity first.
input-activity-limit = A visit can hold at most { $maximum } activities.
input-location-expected = Press "📍 Send my location" below, or "Skip location".
input-report-incomplete = The report is not complete yet. Please fill in the part asked for.
input-text-expected = Typed text is needed here.
input-use-buttons = Please answer with the buttons of the question below.

history-empty = You have not sent any report yet. Type /report to report a visit.
history-list =
    <b>Your last { $count } reports</b>

    { $lines }

    Press a reference to see its details and photos.
history-line = <b>{ $reference }</b> · { $date } · { $village } · { $strategies } · { $activities } · 📷 { $photos }
history-report =
    <b>Report { $reference }</b>

    🏘 { $village } · 📅 { $date } · 📷 { $photos } photos
    { $location }

    { $activities }
history-photos-caption = { $reference } — photos of activity { $n }

input-date-unreadable = That date cannot be read. Write e.g. <code>7/9/2026</code>, <code>07-09-2026</code> or <code>7 September 2026</code> (day first, then month).
input-date-future = The visit date cannot be in the future (today is { $today }).
input-date-too-old = That date is more than { $days } days ago. The oldest visit that can be reported is { $limit }; for older ones contact an admin.
input-number-unreadable = Type the count as a number, e.g. <code>12</code>.
input-number-negative = The count cannot be negative.
input-number-too-large = That count is too large (at most { $maximum }). Please check the number.
input-number-not-whole = The count must be a whole number, e.g. <code>12</code>.
input-text-too-short = The text is too short ({ $length } characters); at least { $minimum } characters.
input-text-too-long = The text is too long ({ $length } characters); at most { $maximum } characters. Shorten it and send it again.
input-location-unreadable = That location cannot be read. Use the "📍 Send my location" button.
input-photo-corrupt = That image is damaged or incomplete and cannot be opened. Try sending it again. Photos already received are kept.
input-photo-download-failed = That photo could not be fetched from Telegram because of a network problem. Please send it again; the photos already received are kept.
input-photo-too-large-bytes = That file is too large (at most { $limit_mb } MB). Send it as a normal photo, not as a file.
input-photo-too-many-pixels = That image is too large (more than { $limit_mp } megapixels). Send it as a normal photo, not as a file.
input-photo-too-small = That image is too small ({ $width }×{ $height } pixels; at least { $minimum } pixels a side).
input-photo-unsupported-format = The { $format } image format is not supported yet. Send it as a normal photo (JPG).
