## Evidence flags of a sent report (models/flags.py), shown to coordinators.

flag-location_missing = 📍 Lokasi tidak dibagikan
flag-location_far = 📍 Lokasi { $km } km dari pusat desa
flag-location_forwarded = 📍 Lokasi diteruskan dari pesan lain, bukan dibagikan langsung
flag-location_inaccurate = 📍 Lokasi kurang akurat (± { $accuracy_m } m)
flag-photo_reused = { $match ->
    [same] 🖼 Foto yang sama sudah dipakai di { $reference }
   *[similar] 🖼 Foto sangat mirip dengan foto di { $reference }
}
flag-photo_exif_time = 🕓 Waktu pengambilan foto { $days } hari dari tanggal kunjungan
flag-photo_exif_far = 🛰 Posisi foto { $km } km dari pusat desa
flag-duplicate_visit = ♊ Kunjungan yang sama sudah dilaporkan di { $reference }
flag-no_exif = ℹ️ Semua foto dikirim terkompresi (tanpa waktu dan lokasi pengambilan)

## What changed between two versions of a report (services/versions.py).

change-none = tidak ada perubahan isi
change-village = desa: { $old } → { $new }
change-date = tanggal: { $old } → { $new }
change-location = lokasi diperbarui
change-activities = kegiatan: { $old } → { $new }
change-activity = { $n ->
    [0] kegiatan diganti
   *[other] kegiatan { $n } diganti
}
change-households = { $n ->
    [0] KK: { $old } → { $new }
   *[other] KK (kegiatan { $n }): { $old } → { $new }
}
change-people = { $n ->
    [0] jiwa: { $old } → { $new }
   *[other] jiwa (kegiatan { $n }): { $old } → { $new }
}
change-description = { $n ->
    [0] uraian diubah
   *[other] uraian kegiatan { $n } diubah
}
change-photos = foto: { $added ->
    [0] { "" }
   *[other] +{ $added }
}{ $removed ->
    [0] { "" }
   *[other] { $added ->
        [0] { "" }
       *[other] , { "" }
    }−{ $removed }
}
