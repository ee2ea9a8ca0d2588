## Evidence flags of a sent report (models/flags.py), shown to coordinators.

flag-location_missing = 📍 No location shared
flag-location_far = 📍 Location { $km } km from the village centre
flag-location_forwarded = 📍 Location forwarded from another message, not shared directly
flag-location_inaccurate = 📍 Location imprecise (± { $accuracy_m } m)
flag-photo_reused = { $match ->
    [same] 🖼 The same photo was used in { $reference }
   *[similar] 🖼 Photo nearly identical to one in { $reference }
}
flag-photo_exif_time = 🕓 Photo taken { $days } days from the visit date
flag-photo_exif_far = 🛰 Photo position { $km } km from the village centre
flag-duplicate_visit = ♊ The same visit was already reported in { $reference }
flag-no_exif = ℹ️ All photos sent compressed (no capture time or place)

## What changed between two versions of a report (services/versions.py).

change-none = no change in content
change-village = village: { $old } → { $new }
change-date = date: { $old } → { $new }
change-location = location updated
change-activities = activities: { $old } → { $new }
change-activity = { $n ->
    [0] activity changed
   *[other] activity { $n } changed
}
change-households = { $n ->
    [0] households: { $old } → { $new }
   *[other] households (activity { $n }): { $old } → { $new }
}
change-people = { $n ->
    [0] people: { $old } → { $new }
   *[other] people (activity { $n }): { $old } → { $new }
}
change-description = { $n ->
    [0] description changed
   *[other] description of activity { $n } changed
}
change-photos = photos: { $added ->
    [0] { "" }
   *[other] +{ $added }
}{ $removed ->
    [0] { "" }
   *[other] { $added ->
        [0] { "" }
       *[other] , { "" }
    }−{ $removed }
}
