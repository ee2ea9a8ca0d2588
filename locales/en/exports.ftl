## Exports (/ekspor, `dampingan export`): column headers, sheet names and the filters sheet.

command-export = Export reports (XLSX, CSV, GeoJSON, photos)

export-col-reference = Reference
export-col-version = Version
export-col-review_status = Review status
export-col-submitted_at = Sent
export-col-visit_date = Visit date
export-col-kecamatan_code = Kecamatan code
export-col-kecamatan = Kecamatan
export-col-village_code = Village code
export-col-village = Village
export-col-agency = Agency
export-col-author = Author
export-col-strategy = Strategy
export-col-activity = Activity
export-col-activity_other = Other activity
export-col-households = Households
export-col-people = People
export-col-description = Description
export-col-latitude = Latitude
export-col-longitude = Longitude
export-col-distance_km = Distance to village (km)
export-col-photos = Photos
export-col-flags = Evidence flags
export-photo-col-reference = Reference
export-photo-col-file = File in the ZIP
export-photo-col-sha256 = SHA-256
export-photo-col-taken_at = Taken at
export-photo-col-exif_latitude = EXIF latitude
export-photo-col-exif_longitude = EXIF longitude
export-sheet-reports = Reports
export-sheet-photos = Photos
export-sheet-filters = Filters
export-filter-from = Visits from
export-filter-to = Visits to
export-filter-kecamatan = Kecamatan
export-filter-agency = Agency
export-filter-strategy = Strategy
export-filter-review = Review status
export-filter-all = All
export-filter-made-at = Made at

## /export in the chat.
export-not-allowed = Only admins and coordinators can export reports.
export-out-of-scope = That kecamatan is outside your area.
export-bad-choice = That choice is unknown (an old or forged button). Start again with /export.
export-choose-period = Export the reports of which period?
export-period-this_month = This month
export-period-last_month = Last month
export-period-this_year = This year
export-period-typed = 🗓 Other dates (type)
export-ask-dates = 📤🗓 #{ $filters } Reply to this message with the first and last visit dates, separated by a space, e.g. <code>1-1-2026 31-3-2026</code> (one date a line, or <code>1-1-2026 to 31-3-2026</code>, works too). The first date is today at the latest; a period is at most 2 years ({ $days } days).
export-dates-placeholder = 1-1-2026 31-3-2026
export-dates-unreadable = Those dates could not be read. Write two dates, first and last, like 1-1-2026 31-3-2026, and reply to the question above again.
export-dates-reversed = The last date ({ $end }) is before the first ({ $start }). Write the first date first and reply to the question above again.
export-dates-future = The first date ({ $start }) has not come yet: today ({ $today }) at the latest. Reply to the question above again.
export-dates-too-long = The period { $start } – { $end } is too long: 2 years at most. For longer periods, use <code>dampingan export</code> on the server. Reply to the question above again.
export-filters =
    <b>Export reports</b>
    Visit period: { $period }
    Kecamatan: { $kecamatan }
    Agency: { $agency }
    Strategy: { $strategy }
    Review status: { $review }
    Change a filter with the buttons below, then pick a format to make the file.
export-change-period = 🗓 Period
export-change-kecamatan = 📍 Kecamatan
export-change-agency = 🏛 Agency
export-change-strategy = 🎯 Strategy
export-change-review = 🔎 Review status
export-choose-kecamatan = Which kecamatan?
export-all-kecamatan = Whole regency
export-choose-agency = Which agency?
export-all-agencies = All agencies
export-choose-strategy = Which strategy?
export-all-strategies = All strategies
export-choose-review = Which review status?
export-all-review = All statuses
export-format-xlsx = Spreadsheet (XLSX)
export-format-csv = CSV
export-format-geojson = Map points (GeoJSON)
export-format-photos = Photos (ZIP)
export-preparing = Preparing the export…
export-empty = No reports were sent for { $period } with these filters.
export-no-photos = The reports of { $period } have no photos.
export-caption = { $rows } { $rows ->
        [one] row
       *[other] rows
    }, visits { $period }
export-done = Export sent: visits { $period }.
export-photos-progress = Packing photos: { $done } of { $total }…
export-photos-part = Photos, visits { $period } (part { $part } of { $parts })
export-photos-done = { $photos } photos sent in { $parts } { $parts ->
        [one] ZIP file
       *[other] ZIP files
    }.{ $missing ->
        [0] {""}
       *[other] {" "}{ $missing } photo files were missing and are left out.
    }
export-span = { $start } – { $end }
