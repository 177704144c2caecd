"""The `nhacviec` command line, through Typer's runner against a temporary SQLite file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import PROJECT_ROOT

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")


@pytest.fixture
def database(database_url: str) -> list[str]:
    return ["--database-url", database_url]


def test_import_then_reimport_then_units(database: list[str]) -> None:
    runner = CliRunner()
    dry = runner.invoke(app, [*database, "import", SAMPLE, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0] == "Kế hoạch DB-CT35-2019: chạy thử, chưa ghi gì vào cơ sở dữ liệu."
    assert "Chưa có đơn vị nào" in runner.invoke(app, [*database, "units"]).stdout

    first = runner.invoke(app, [*database, "import", SAMPLE])
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0] == "Kế hoạch DB-CT35-2019: đã nhập."
    assert "Đơn vị: thêm 30, sửa 0, khôi phục 0, ngừng theo dõi 0." in lines
    assert "Mốc: thêm 28, sửa 0, ngừng theo dõi 0, khôi phục 0." in lines
    assert "  + M12  Dự thảo báo cáo chính trị cấp tỉnh" in lines

    again = runner.invoke(app, [*database, "import", SAMPLE])
    assert (again.exit_code, again.stdout) == (0, "Kế hoạch DB-CT35-2019: đã nhập.\nKhông có thay đổi.\n")

    units = runner.invoke(app, [*database, "units"])
    assert units.exit_code == 0, units.output
    tree = units.stdout.splitlines()
    assert tree[0].split() == ["TU", "Tỉnh", "ủy", "Điện", "Biên", "(tỉnh", "ủy)"]
    assert tree[-1] == "30 đơn vị."
    commune = next(line for line in tree if "DUX-THANHXUONG" in line)
    assert commune.startswith("    DUX-THANHXUONG")
    assert commune.endswith("Đảng ủy xã Thanh Xương (tổ chức cơ sở đảng)")
    district = next(line for line in tree if line.lstrip().startswith("HU-DIENBIEN "))
    assert district.startswith("  HU-DIENBIEN ")
    assert district.endswith("Huyện ủy Điện Biên (đảng bộ cấp huyện và tương đương)")


def test_a_bad_plan_exits_1_with_one_error_per_line(database: list[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "plan: {code: KH, title: Thử}\n"
        "units:\n"
        "  - {code: TU, name: Tỉnh ủy, kind: province_committee}\n"
        "milestones:\n"
        "  - {code: M01, title: Một, due: 31/02/2020, units: [TU]}\n"
        "  - {code: M02, title: Hai, due: 01/03/2020, units: [HU-XYZ]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, [*database, "import", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f'{bad}:5: ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày)',
        f'{bad}:6: không có đơn vị mã "HU-XYZ"',
    ]
    assert result.stdout == ""
    assert not (tmp_path / "cli.db").exists()  # nothing opened, nothing written


def test_a_missing_file_is_reported(database: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*database, "import", str(tmp_path / "khong-co.yaml")])
    assert (result.exit_code, result.stderr) == (1, f"{tmp_path / 'khong-co.yaml'}: không tìm thấy tệp\n")


def test_python_dash_m_bot_runs_the_same_app(database: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", *database, "units"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Chưa có đơn vị nào")
