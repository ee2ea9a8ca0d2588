## The photo step of /lapor: what makes a photo hold up as evidence (services/evidence.py).

# Said at once when a photo just received is (nearly) the same as one of another report.
report-photo-reused = { $match ->
    [same] ⚠️ Foto ini sudah dipakai di { $reference }.
   *[similar] ⚠️ Foto ini sangat mirip dengan foto di { $reference }.
} Foto tetap disimpan dan Anda boleh melanjutkan; koordinator akan melihat catatan ini.
# Said once per report, with the first photo question.
report-photos-file-hint = 💡 Kirim foto <b>sebagai file</b> agar waktu dan lokasi pengambilannya ikut tersimpan.
