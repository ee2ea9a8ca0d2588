## /siaran: pesan admin untuk satu peran dalam satu wilayah.

command-broadcast = Kirim siaran ke petugas atau koordinator
broadcast-not-allowed = Siaran hanya dapat dikirim oleh admin.
broadcast-stale = Tombol ini tidak berlaku untuk siaran Anda. Mulai lagi dengan /siaran.
broadcast-ask-audience = Siaran untuk siapa?
broadcast-audience-staff = Petugas lapangan
broadcast-audience-kecamatan = Koordinator kecamatan
broadcast-audience-regency = Koordinator kabupaten
broadcast-audience-everyone = Semua orang
broadcast-ask-scope = Untuk seluruh kabupaten atau satu kecamatan?
broadcast-scope-regency = Seluruh kabupaten
broadcast-ask-message = Ketik pesannya (paling banyak { $text_max } karakter), atau kirim satu foto dengan keterangan (paling banyak { $caption_max } karakter). /batal untuk membatalkan.
broadcast-text-too-long = Pesan terlalu panjang: { $length } karakter, paling banyak { $max }. Persingkat lalu kirim lagi.
broadcast-caption-too-long = Keterangan foto terlalu panjang: { $length } karakter, paling banyak { $max }. Kirim lagi fotonya dengan keterangan yang lebih pendek.
broadcast-preview = Di atas adalah pratinjau siaran. Akan dikirim ke { $count } orang. Kirim sekarang?
broadcast-confirm-button = ✅ Kirim
broadcast-cancel-button = ✖️ Batal
broadcast-nobody = Tidak ada penerima untuk siaran ini. Batalkan lalu pilih penerima lain dengan /siaran.
broadcast-sending = Siaran sedang dikirim ke { $count } orang. Laporan pengiriman menyusul setelah selesai.
broadcast-cancelled = Siaran dibatalkan; tidak ada yang dikirim.
broadcast-expected-audience = Pilih penerima dengan tombol di atas, atau /batal.
broadcast-expected-scope = Pilih wilayah dengan tombol di atas, atau /batal.
broadcast-expected-message = Kirim teks (paling banyak { $text_max } karakter) atau satu foto dengan keterangan, atau /batal.
broadcast-expected-confirm = Tekan ✅ Kirim atau ✖️ Batal pada pratinjau di atas.
broadcast-report = Laporan siaran: { $sent } terkirim, { $blocked } memblokir bot, { $failed } gagal.
