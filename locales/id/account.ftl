## Registration, help, language and the command menu.

command-start = Mulai / tampilkan menu
command-help = Bantuan: apa yang bisa saya lakukan
command-language = Ganti bahasa (Indonesia/English)
command-cancel = Batalkan isian yang sedang berjalan
command-invite = Buat undangan untuk pengguna baru

start-already-registered = Anda sudah terdaftar, jadi tautan undangan ini tidak dipakai dan tetap bisa diberikan kepada orang lain.

help-command-line = /{ $command } — { $description }
help-welcome =
    Selamat datang, <b>{ $name }</b>! Pendaftaran Anda berhasil.
    Peran Anda: <b>{ $scope }</b>

    { $role_intro }

    Perintah yang bisa Anda pakai:
    { $commands }
help-body =
    <b>{ $name }</b> — { $scope }

    { $role_intro }

    Perintah yang bisa Anda pakai:
    { $commands }
help-intro-staff = Sebagai petugas lapangan, Anda mencatat setiap kunjungan ke desa/kelurahan dampingan perangkat daerah Anda: desa, tanggal, strategi, kegiatan, penerima manfaat, uraian, foto dan lokasi.
help-intro-kecamatan_coordinator = Sebagai koordinator kecamatan, Anda menerima ringkasan mingguan kunjungan di desa/kelurahan kecamatan Anda dan dapat meninjau laporan.
help-intro-regency_coordinator = Sebagai koordinator kabupaten (Bappeda/TKPK), Anda menerima ringkasan mingguan seluruh kabupaten dan dapat meninjau laporan.
help-intro-admin = Sebagai admin, Anda mengelola perangkat daerah, desa, penugasan, pengguna, jadwal dan ekspor. Pengguna baru masuk melalui undangan yang Anda buat.

language-name = 🇮🇩 Bahasa Indonesia
language-choose = Pilih bahasa / Choose your language:
language-changed = Bahasa diubah ke Bahasa Indonesia. Menu perintah Anda juga sudah diperbarui.
