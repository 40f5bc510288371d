"""Reading the packaged reference files (CSV and YAML) with clear errors."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from klynge.errors import ConfigError

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(name: str) -> Path:
    """The path of a packaged reference file."""
    return DATA_DIR / name


def read_table(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings (empty cells stay ``""``) and check its header.

    Raises
    ------
    ConfigError
        When the file is missing or unreadable, or a required column is absent.
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"reference file {path} is missing; reinstall Klynge or restore "
                          f"klynge/reference/data/{path.name}") from exc
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ConfigError(f"reference file {path} cannot be read as UTF-8 CSV ({exc}); "
                          "fix or restore the file") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(f"reference file {path} lacks column(s) {', '.join(missing)}; "
                          f"expected a header with {', '.join(columns)}")
    return df


def iter_csv_rows(path: Path, columns: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` of a small CSV, checking the header first.

    Raises
    ------
    ConfigError
        When the file cannot be read or a required column is absent.
    """
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in columns if c not in header]
            if missing:
                raise ConfigError(f"{path} lacks column(s) {', '.join(missing)}; "
                                  f"expected a header with {', '.join(columns)}")
            for row in reader:
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} does not exist; check the path") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ConfigError(f"{path} cannot be read as UTF-8 CSV ({exc}); fix the file") from exc


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping.

    Raises
    ------
    ConfigError
        When the file is missing, is not valid YAML, or is not a mapping at the top level.
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path} does not exist; check the path") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path} is not valid UTF-8 YAML ({exc}); fix the file") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path} must hold a YAML mapping at the top level; found {type(doc).__name__}")
    return doc
