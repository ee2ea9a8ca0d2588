## Reminders, pausing them, schedules (/jadwal) and delivery problems.

command-pause = Jeda pengingat (cuti, sakit)
command-schedule = Atur jadwal pengingat dan ringkasan
command-summary = Ringkasan kunjungan (minggu ini, minggu lalu, bulan ini)

reminder-text =
    Halo { $name } 👋
    Minggu ini belum ada laporan kunjungan dari <b>{ $agency }</b> untuk desa dampingan Anda. Jika sudah berkunjung, laporkan sekarang; hanya perlu dua menit.
reminder-report-now = 📝 Lapor sekarang
reminder-pause = ⏸ Jeda pengingat

delivery-blocked =
    ⚠️ { $count ->
        [one] Satu orang
       *[other] { $count } orang
    } memblokir bot sehingga tidak menerima pesan lagi, dan ditandai tidak aktif: { $names }. Hubungi mereka jika ini keliru.

pause-choose =
    { $status }
    Berapa lama pengingat dijeda?
pause-days = { $days } hari
pause-resume = ▶️ Aktifkan lagi
pause-status-paused = ⏸ Pengingat Anda dijeda sampai { $until }.
pause-status-active = 🔔 Pengingat Anda aktif.
pause-staff-only = Pengingat hanya dikirim kepada petugas lapangan.

schedule-overview =
    <b>Jadwal</b> (zona waktu { $timezone })
    🔔 Pengingat untuk petugas: <b>{ $reminder }</b>
    📊 Ringkasan mingguan untuk koordinator: <b>{ $digest }</b>
    Pengingat tidak dikirim pada hari libur nasional dan cuti bersama.
schedule-change-reminder = Ubah jadwal pengingat
schedule-change-digest = Ubah jadwal ringkasan
schedule-name-reminder = pengingat
schedule-name-digest = ringkasan mingguan
schedule-choose-day = Hari apa { $what } dikirim?
schedule-choose-time = Jam berapa { $what } dikirim setiap { $day }?
schedule-saved = ✅ Jadwal disimpan dan langsung berlaku.
