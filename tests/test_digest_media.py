"""The digest's attachments: chart, collage and spreadsheet, checked by opening what they
produce (Pillow, openpyxl)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from models.digests import (
    STRATEGIES,
    XLSX_COLUMNS,
    DigestData,
    DigestPhoto,
    Figures,
    Period,
    Series,
    SeriesWeek,
    StrategyFigures,
    XlsxRow,
)
from services.digest_media import CHART_SIZE, chart_png, collage_jpeg, reports_xlsx

PERIOD = Period(date(2025, 6, 9), date(2025, 6, 15))
WEEK_STARTS = [date(2025, 4, 21) + timedelta(weeks=i) for i in range(8)]
COLOURS = [
    (220, 30, 30),
    (30, 200, 30),
    (30, 30, 220),
    (230, 230, 30),
    (30, 220, 220),
    (220, 30, 220),
    (250, 140, 0),
    (120, 60, 20),
    (240, 240, 240),
    (0, 0, 0),
]


def figures(visits: int = 0) -> Figures:
    return Figures(
        visits=visits,
        households=0,
        people=0,
        photos=0,
        strategies=tuple(StrategyFigures(s, 0, 0) for s in STRATEGIES),
    )


def make_data(
    *,
    series: Series | None = None,
    photos: tuple[DigestPhoto, ...] = (),
    rows: tuple[XlsxRow, ...] = (),
) -> DigestData:
    if series is None:
        series = Series(
            by="strategy",
            keys=STRATEGIES,
            weeks=tuple(
                SeriesWeek(start, (i, 2 * i % 5, 1 if i == 7 else 0))
                for i, start in enumerate(WEEK_STARTS)
            ),
        )
    return DigestData(
        period=PERIOD,
        previous_period=Period(date(2025, 6, 2), date(2025, 6, 8)),
        today=date(2025, 6, 16),
        kecamatan="Randudongkal",
        current=figures(len(rows)),
        previous=figures(),
        villages=(),
        idle_days=14,
        idle_agencies=(),
        series=series,
        photos=photos,
        rows=rows,
    )


def week_label(day: date) -> str:
    return day.strftime("%d/%m")


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


# -- chart ---------------------------------------------------------------------------------


def test_chart_by_strategy() -> None:
    labels = {s: f"Strategi {i}" for i, s in enumerate(STRATEGIES, start=1)}
    png = chart_png(
        make_data(), title="Kunjungan per minggu", series_labels=labels, week_label=week_label
    )
    image = open_png(png)
    assert image.size == CHART_SIZE == (1200, 700)
    # Bars were drawn: the first strategy's colour is on the canvas.
    colours = {colour for _, colour in image.convert("RGB").getcolors(1_000_000) or []}
    assert (0x00, 0x72, 0xB2) in colours


def test_chart_by_kecamatan_with_many_keys_and_odd_labels() -> None:
    keys = tuple(f"Kecamatan {i}" for i in range(14))
    series = Series(
        by="kecamatan",
        keys=keys,
        weeks=tuple(
            SeriesWeek(start, tuple((i + k) % 4 * 30 for k in range(14)))
            for i, start in enumerate(WEEK_STARTS)
        ),
    )
    png = chart_png(
        make_data(series=series),
        # A pair of '$' would be a formula to matplotlib; it must show as typed.
        title="Biaya $5 dan $6",
        series_labels={},
        week_label=lambda day: f"{day.day} Jun $",
        number=lambda n: f"{n:,}".replace(",", "."),
    )
    assert open_png(png).size == CHART_SIZE


def test_chart_with_nothing_to_show() -> None:
    zero = Series(
        by="strategy",
        keys=STRATEGIES,
        weeks=tuple(SeriesWeek(start, (0, 0, 0)) for start in WEEK_STARTS),
    )
    png = chart_png(make_data(series=zero), title="", series_labels={}, week_label=week_label)
    assert open_png(png).size == CHART_SIZE
    empty = Series(by="kecamatan", keys=(), weeks=(SeriesWeek(WEEK_STARTS[0], ()),))
    png = chart_png(make_data(series=empty), title="x", series_labels={}, week_label=week_label)
    assert open_png(png).size == CHART_SIZE


# -- collage -------------------------------------------------------------------------------


def store_photos(
    root: Path, count: int, *, size: tuple[int, int] = (800, 600)
) -> list[DigestPhoto]:
    """`count` solid-colour photos on disk (archive and thumbnail), as DigestPhotos."""
    photos = []
    for i in range(count):
        archive, thumb = f"r{i}/p.jpg", f"r{i}/p.thumb.jpg"
        (root / f"r{i}").mkdir(parents=True)
        picture = Image.new("RGB", size, COLOURS[i])
        picture.save(root / archive, "JPEG", quality=95)
        picture.resize((size[0] // 4, size[1] // 4)).save(root / thumb, "JPEG", quality=95)
        photos.append(
            DigestPhoto(i + 1, i + 1, archive, thumb, f"Desa {i}", date(2025, 6, 9 + i % 7))
        )
    return photos


def open_jpeg(data: bytes | None) -> Image.Image:
    assert data is not None
    assert data.startswith(b"\xff\xd8")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG"
    return image


def pixel(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.convert("RGB").getpixel(xy)
    assert isinstance(value, tuple)
    return value


def assert_close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 12) -> None:
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True)), (
        actual,
        expected,
    )


def label(photo: DigestPhoto) -> str:
    return f"{photo.village} · {photo.visit_date:%d/%m}"


def test_collage_of_nine_is_a_three_by_three_grid(tmp_path: Path) -> None:
    photos = store_photos(tmp_path, 9)
    image = open_jpeg(collage_jpeg(photos, open_photo=tmp_path.joinpath, label=label))
    assert image.size == (1200, 1200)
    rgb = image.convert("RGB")
    for i in range(9):
        row, column = divmod(i, 3)
        # The upper part of each tile is the photo; the bottom band is darkened for the label.
        assert_close(pixel(rgb, (column * 400 + 200, row * 400 + 150)), COLOURS[i])
        band = pixel(rgb, (column * 400 + 390, row * 400 + 385))
        assert sum(band) < sum(COLOURS[i]) * 0.6 or sum(COLOURS[i]) == 0
    # The label is drawn: white text pixels in the first tile's band.
    band_area = rgb.crop((10, 345, 300, 395)).convert("L")
    assert sum(band_area.histogram()[220:]) > 50


def test_collage_grid_shrinks_with_fewer_photos(tmp_path: Path) -> None:
    photos = store_photos(tmp_path, 7)
    sizes = {
        n: open_jpeg(collage_jpeg(photos[:n], open_photo=tmp_path.joinpath, label=label)).size
        for n in range(1, 8)
    }
    assert sizes == {
        1: (400, 400),
        2: (800, 400),
        3: (1200, 400),
        4: (800, 800),
        5: (1200, 800),
        6: (1200, 800),
        7: (1200, 1200),
    }
    # At most nine, whatever the caller passes.
    many = store_photos(tmp_path / "many", 10)
    image = open_jpeg(collage_jpeg(many, open_photo=(tmp_path / "many").joinpath, label=label))
    assert image.size == (1200, 1200)


def test_collage_crops_to_a_square_and_survives_long_labels(tmp_path: Path) -> None:
    photos = store_photos(tmp_path, 1, size=(1600, 400))
    long_label = "Wanarejan Selatan (Kecamatan Taman) · Minggu, 15 Juni 2025 " * 3
    image = open_jpeg(
        collage_jpeg(photos, open_photo=tmp_path.joinpath, label=lambda _: long_label, tile=300)
    )
    assert image.size == (300, 300)
    assert_close(pixel(image, (150, 100)), COLOURS[0])


def test_missing_photos_are_skipped(tmp_path: Path) -> None:
    photos = store_photos(tmp_path, 10)
    (tmp_path / photos[0].archive_path).unlink()
    (tmp_path / photos[0].thumb_path).unlink()
    # Only the thumbnail is left of the second: it is used.
    (tmp_path / photos[1].archive_path).unlink()
    # The third is not an image at all.
    (tmp_path / photos[2].archive_path).write_bytes(b"not a jpeg")
    (tmp_path / photos[2].thumb_path).unlink()

    def open_photo(relative: str) -> Path:
        if relative.startswith("r3/"):
            # PhotoStore.path refuses paths outside its root with ValueError.
            raise ValueError(relative)
        return tmp_path / relative

    image = open_jpeg(collage_jpeg(photos, open_photo=open_photo, label=label))
    # Left: photos 1, 4, 5, ..., 9: seven tiles, a 3x3 grid with two empty places.
    assert image.size == (1200, 1200)
    rgb = image.convert("RGB")
    assert_close(pixel(rgb, (200, 150)), COLOURS[1])
    assert_close(pixel(rgb, (600, 150)), COLOURS[4])
    assert_close(pixel(rgb, (1000, 1000)), (32, 32, 32))

    assert collage_jpeg([], open_photo=open_photo, label=label) is None
    assert collage_jpeg(photos[:1], open_photo=open_photo, label=label) is None


# -- spreadsheet ---------------------------------------------------------------------------


def xlsx_rows() -> tuple[XlsxRow, ...]:
    return (
        XlsxRow(
            reference="LPR-2025-000001",
            visit_date=date(2025, 6, 10),
            submitted_at=datetime(2025, 6, 10, 20, 30, tzinfo=UTC),
            village="Semingkir",
            kecamatan="Randudongkal",
            agency="Dinas Kesehatan",
            staff="Budi Santoso",
            strategy=STRATEGIES[0],
            activity="bantuan_sosial",
            activity_other=None,
            households=1250,
            people=4000,
            description="Pembagian sembako",
            photos=2,
            latitude=-7.094503,
            longitude=109.369693,
            version=2,
            review_status="verified",
            distance_km=4.2,
            flags=("location_far", "no_exif"),
        ),
        XlsxRow(
            reference="LPR-2025-000001",
            visit_date=date(2025, 6, 10),
            submitted_at=datetime(2025, 6, 10, 20, 30, tzinfo=UTC),
            village="Semingkir",
            kecamatan="Randudongkal",
            agency="Dinas Kesehatan",
            staff="Budi Santoso",
            strategy=STRATEGIES[1],
            activity="other",
            activity_other="Kerja bakti",
            households=5,
            people=None,
            description='=HYPERLINK("http://x")\x07 and a bell',
            photos=0,
            latitude=None,
            longitude=None,
        ),
        XlsxRow(
            reference=None,
            visit_date=date(2025, 6, 15),
            submitted_at=None,
            village="Kreyo",
            kecamatan="Randudongkal",
            agency="Disnaker",
            staff="Sari",
            strategy=None,
            activity=None,
            activity_other=None,
            households=None,
            people=None,
            description=None,
            photos=1,
            latitude=None,
            longitude=None,
        ),
    )


HEADERS = [f"Kolom {key}" for key in XLSX_COLUMNS]


def test_xlsx_rows_values_and_types() -> None:
    data = make_data(rows=xlsx_rows())
    content = reports_xlsx(
        data,
        headers=HEADERS,
        sheet_title="Laporan 9/6-15/6 [minggu]",
        strategy_label=lambda key: f"S:{key}",
        activity_label={"bantuan_sosial": "Bantuan sosial", "other": "Lainnya"}.__getitem__,
        review_label={"verified": "Terverifikasi", "submitted": "Menunggu"}.__getitem__,
        flag_label={"location_far": "lokasi jauh", "no_exif": "tanpa EXIF"}.__getitem__,
        tz=ZoneInfo("Asia/Jakarta"),
    )
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    assert sheet.title == "Laporan 9 6-15 6  minggu"
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 4 and sheet.max_column == len(XLSX_COLUMNS) == 20
    header = [cell.value for cell in sheet[1]]
    assert header == HEADERS
    assert all(cell.font.b for cell in sheet[1])

    first = [cell.value for cell in sheet[2]]
    assert first == [
        "LPR-2025-000001",
        datetime(2025, 6, 10),
        datetime(2025, 6, 11, 3, 30),  # 20:30 UTC is 03:30 the next day in Jakarta
        "Semingkir",
        "Randudongkal",
        "Dinas Kesehatan",
        "Budi Santoso",
        f"S:{STRATEGIES[0]}",
        "Bantuan sosial",
        None,
        1250,
        4000,
        "Pembagian sembako",
        2,
        -7.094503,
        109.369693,
        2,
        "Terverifikasi",
        4.2,
        "lokasi jauh; tanpa EXIF",
    ]
    cells = sheet[2]
    assert cells[1].is_date and cells[1].number_format == "yyyy-mm-dd"
    assert cells[2].is_date and cells[2].number_format == "yyyy-mm-dd hh:mm"
    assert [type(c.value) for c in cells[10:12]] == [int, int]
    assert cells[10].number_format == "#,##0"
    assert isinstance(cells[14].value, float) and cells[14].number_format == "0.000000"

    second = [cell.value for cell in sheet[3]]
    # "Other" is followed by the text typed; staff text never becomes a formula or breaks
    # the file.
    assert second[8:10] == ["Lainnya", "Kerja bakti"]
    assert second[11] is None
    assert second[12] == '=HYPERLINK("http://x") and a bell'
    assert sheet.cell(row=3, column=13).data_type == "s"
    # A row without review data (from before reviews): version 1, the rest empty.
    assert second[14:] == [None, None, 1, None, None, None]

    third = [cell.value for cell in sheet[4]]
    assert third[0] is None and third[2] is None and third[7:10] == [None, None, None]
    assert third[1] == datetime(2025, 6, 15)

    widths = {
        key: sheet.column_dimensions[chr(ord("A") + i)].width for i, key in enumerate(XLSX_COLUMNS)
    }
    assert widths["description"] > widths["photos"]
    assert all(1 < w <= 60 for w in widths.values())


def test_xlsx_without_rows_and_header_check() -> None:
    content = reports_xlsx(
        make_data(),
        headers=HEADERS,
        sheet_title="",
        strategy_label=str,
        activity_label=str,
    )
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet.max_row == 1
    assert sheet.title == "Sheet1"
    with pytest.raises(ValueError):
        reports_xlsx(
            make_data(),
            headers=HEADERS[:-1],
            sheet_title="x",
            strategy_label=str,
            activity_label=str,
        )
