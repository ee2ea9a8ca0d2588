## The weekly digest and /summary.

digest-scope-kecamatan = Kecamatan { $kecamatan }
digest-scope-regency = Kabupaten Pemalang
digest-never = never
digest-no-villages = (no assisted village yet)
digest-no-idle = None. 👍
digest-header =
    📊 <b>Dampingan digest — { $scope }</b>
    { $start } – { $end }

    🚶 Visits: <b>{ $visits }</b> (previous period { $visits_before }, { $visits_change })
    👪 Households reached: <b>{ $households }</b> (before { $households_before }, { $households_change }) · { $people } people
    📷 Photos: { $photos } (before { $photos_before })
digest-title-strategies = <b>By strategy</b>
digest-title-villages = <b>Assisted villages</b>
digest-title-idle = <b>⚠️ Agencies without a visit for { $idle_days } days</b>
digest-strategy-line = • { $strategy }: { $visits } visits, { $households } households (before { $before } visits)
digest-village-line = • { $village } ({ $kecamatan }) — { $agencies }: { $visits } visits, last { $last }
digest-idle-line = • { $agency } ({ $villages }) — last visit { $last }
digest-chart-title-strategy = Visits per week by strategy
digest-chart-title-kecamatan = Visits per week by kecamatan
digest-chart-caption = 📈 Visits per week, last { $weeks } weeks.
digest-collage-caption = 📷 { $count } activity photos of this period.
digest-xlsx-caption = 📎 The period's reports ({ $rows } activity rows).
digest-xlsx-sheet = Reports
digest-xlsx-headers = Reference|Visit date|Sent|Village|Kecamatan|Agency|Staff|Strategy|Activity|Other activity|Households|People|Description|Photos|Latitude|Longitude|Version|Review status|Distance to village (km)|Evidence flags
digest-xlsx-review-submitted = Waiting for review
digest-xlsx-review-verified = Verified
digest-xlsx-review-needs_correction = Needs correction
digest-xlsx-review-resubmitted = Waiting for review (corrected)
digest-xlsx-flag-location_missing = no location
digest-xlsx-flag-location_far = location far
digest-xlsx-flag-location_forwarded = location forwarded
digest-xlsx-flag-location_inaccurate = location imprecise
digest-xlsx-flag-photo_reused = photo reused
digest-xlsx-flag-photo_exif_time = photo time
digest-xlsx-flag-photo_exif_far = photo position far
digest-xlsx-flag-duplicate_visit = duplicate visit
digest-xlsx-flag-no_exif = all photos compressed

## Review and evidence (issue 9): where the period's reports stand, and the map.

digest-title-review = <b>Coordinator review</b>
digest-review-line = ✅ Verified: { $verified } · ⏳ Waiting for review: { $waiting } · ✏️ Needs correction: { $needs_correction }
digest-flags-line = 🚩 Reports with warnings: { $flagged }
digest-flag-line = • { $flag }: { $reports } { $count ->
    [one] report
   *[other] reports
}
digest-flag-location_missing = No location shared
digest-flag-location_far = Location far from the village
digest-flag-location_forwarded = Forwarded location
digest-flag-location_inaccurate = Inaccurate location
digest-flag-photo_reused = Reused photo
digest-flag-photo_exif_time = Photo time does not match the visit date
digest-flag-photo_exif_far = Photo taken far from the village
digest-flag-duplicate_visit = Duplicate visit
digest-flag-info-no_exif = ℹ️ { $reports } { $count ->
    [one] report
   *[other] reports
} with every photo sent compressed (no capture time or place)
digest-map-title =
    Visit map — { $scope }
    { $start } – { $end }
digest-map-shading = Visits per kecamatan
digest-map-several = Several strategies
digest-map-at-location = At the shared location
digest-map-at-village = At the village centre (no location, or one off the map)
digest-map-caption = 🗺 Map of this period's { $visits } visits: one point per report, coloured by strategy.
digest-map-no-boundaries = Kecamatan boundaries are not available yet; points are drawn over village centres.
digest-map-unplaced = { $count } visits with neither a location nor a village position are not on the map.

summary-choose = A summary of which period?
summary-this-week = This week
summary-last-week = Last week
summary-this-month = This month
summary-not-allowed = Summaries are for coordinators and admins.
summary-preparing = ⏳ Preparing the summary…
