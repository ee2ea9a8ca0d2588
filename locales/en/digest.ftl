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
digest-xlsx-headers = Reference|Visit date|Sent|Village|Kecamatan|Agency|Staff|Strategy|Activity|Other activity|Households|People|Description|Photos|Latitude|Longitude

summary-choose = A summary of which period?
summary-this-week = This week
summary-last-week = Last week
summary-this-month = This month
summary-not-allowed = Summaries are for coordinators and admins.
summary-preparing = ⏳ Preparing the summary…
