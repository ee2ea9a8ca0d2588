## The photo step of /lapor: what makes a photo hold up as evidence (services/evidence.py).

# Said at once when a photo just received is (nearly) the same as one of another report.
report-photo-reused = { $match ->
    [same] ⚠️ This photo was already used in { $reference }.
   *[similar] ⚠️ This photo is nearly identical to one in { $reference }.
} The photo is kept and you may continue; the coordinators will see this note.
# Said once per report, with the first photo question.
report-photos-file-hint = 💡 Send photos <b>as a file</b> to keep the time and place they were taken.
