# Pencadangan malam (jobs/backup.py): pesan ke admin bila gagal.
backup-failed =
    ⚠️ Pencadangan malam { $when } gagal, jadi tidak ada cadangan baru: { $error }
    Cadangan lama tetap disimpan. Periksa folder cadangan dan log bot, atau jalankan <code>dampingan backup FOLDER</code> secara manual.

# /audit: log tindakan admin dan peninjauan.
command-audit = Log tindakan admin dan peninjauan
audit-header = 📜 <b>Log audit</b> — halaman { $page } · { $who }
audit-line = <b>{ $when }</b> · { $actor }
    { $action } · { $target } · { $details }
audit-empty = Belum ada tindakan yang tercatat.
audit-everyone = Semua orang
audit-actor-system = sistem
audit-newer = ◀ Lebih baru
audit-older = Lebih lama ▶
audit-filter = 👤 Saring menurut orang
audit-choose-actor = Pilih orang yang tindakannya ingin dilihat (yang terakhir bertindak di atas):

# /impor: berkas CSV/XLSX dikirim ke bot.
command-import = Impor wilayah, dinas, penugasan atau kegiatan (CSV/XLSX)
import-send-file = Kirim berkas CSV atau XLSX sebagai dokumen (📎 → Berkas). Setelah itu pilih jenis isinya: wilayah, dinas, penugasan atau kegiatan. Format kolomnya sama dengan impor lewat terminal.
import-choose-kind = Berkas <b>{ $file }</b> diterima. Apa isinya?
import-kind-regions = Wilayah
import-kind-agencies = Dinas
import-kind-assignments = Penugasan
import-kind-activities = Kegiatan
import-too-big = Berkas ini terlalu besar (paling besar { $max } MB).
import-used = Berkas ini sudah diimpor. Kirim lagi bila ingin mengimpor ulang.
import-rejected = ❌ <b>{ $file }</b> ({ $kind }) ditolak, tidak ada yang disimpan. { $count ->
        [one] Ada satu masalah:
       *[other] Ada { $count } masalah:
    }
import-rejected-more = … dan { $count } lainnya.
import-done = ✅ <b>{ $file }</b> ({ $kind }) diimpor.
import-done-line = { $entity }: { $created } ditambah, { $updated } diubah, { $unchanged } tetap
import-error-line = Baris { $line }: { $message }
import-error-unsupported_format = { $file } bukan berkas .csv atau .xlsx.
import-error-unreadable = Berkas tidak dapat dibaca sebagai { $format }: { $detail }.
import-error-not_utf8 = Berkas bukan teks UTF-8 (byte salah di posisi { $offset }).
import-error-empty_file = Berkas kosong; perlu baris judul dan baris data.
import-error-no_rows = Berkas punya baris judul tetapi tidak ada baris data.
import-error-missing_column = Tidak ada kolom '{ $column }' (yang diharapkan: { $expected }).
import-error-duplicate_column = Kolom '{ $column }' muncul lebih dari sekali.
import-error-extra_values = Baris ini berisi { $count } nilai, padahal judulnya { $columns } kolom; apakah ada nilai berkoma tanpa tanda kutip?
import-error-required = '{ $column }' kosong.
import-error-too_long = '{ $column }' lebih dari { $max } karakter.
import-error-unknown_level = Tingkat '{ $value }' bukan salah satu dari { $allowed }.
import-error-unknown_kind = Jenis '{ $value }' bukan salah satu dari { $allowed }.
import-error-unknown_strategy = Strategi '{ $value }' bukan salah satu dari { $allowed }.
import-error-bad_key = Kunci '{ $value }' harus 1-40 huruf kecil, angka atau garis bawah, dan bukan 'other'.
import-error-bad_code = Nilai '{ $column }' '{ $value }' bukan kode { $level } seperti { $example }.
import-error-code_parent_mismatch = Kode '{ $code }' tidak termasuk induk '{ $parent }'.
import-error-unknown_parent = Kecamatan induk '{ $parent }' tidak ada di berkas ini maupun di basis data.
import-error-second_kabupaten = Baris kabupaten kedua ('{ $code }'); hanya satu kabupaten yang didukung (yang pertama di baris { $first_line }).
import-error-other_kabupaten = '{ $code }' termasuk kabupaten '{ $found }', padahal wilayahnya milik kabupaten '{ $expected }'.
import-error-bad_number = Nilai '{ $column }' '{ $value }' bukan angka.
import-error-out_of_range = Nilai '{ $column }' { $value } di luar { $min }..{ $max }.
import-error-duplicate = Nilai '{ $column }' '{ $value }' sudah ada di baris { $first_line }.
import-error-duplicate_short_name = Singkatan '{ $value }' juga dipakai dinas '{ $other }'.
import-error-unknown_agency = Tidak ada dinas bernama atau disingkat '{ $value }'.
import-error-ambiguous_agency = '{ $value }' cocok dengan lebih dari satu dinas: { $matches }.
import-error-unknown_village = Tidak ada desa berkode '{ $value }'.
import-error-duplicate_assignment = '{ $agency }' sudah ditugaskan ke desa '{ $village }' di baris { $first_line }.
import-error-bad_date = Nilai '{ $column }' '{ $value }' bukan tanggal seperti 2024-01-31.
import-error-date_order = ends_on { $ends_on } lebih awal dari starts_on { $starts_on }.
