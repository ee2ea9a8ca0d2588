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
export-choose-period = Export the reports of which period?
export-period-this_month = This month
export-period-last_month = Last month
export-period-this_year = This year
export-choose-kecamatan = Which kecamatan?
export-all-kecamatan = Whole regency
export-choose-format = In which format?
export-format-xlsx = Spreadsheet (XLSX)
export-format-csv = CSV
export-format-geojson = Map points (GeoJSON)
export-format-photos = Photos (ZIP)
export-preparing = Preparing the export…
export-empty = No reports were sent for { $period }.
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
