"""QR codes of the real licences (../shared/real-dev/licenses/): decode rate, codes carried, truth.

`python -m tools.qr_bench` reads every licence image with `extractors.qr.read_qr_codes` (the images
as stored, no clean-up) and prints how many decode, how many payloads carry a credit code or a
15-digit 注册号 that passes its check, how those agree with tests/real/truth.yaml where it gives
the printed value, and the seconds per image. Development only: the images never enter the
repository, and where ../shared/real-dev/ is absent it says so and does nothing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import yaml

from extractors.qr import read_qr_codes

ROOT = Path(__file__).resolve().parent.parent
REAL_DEV = ROOT.parent / "shared" / "real-dev"
TRUTH = ROOT / "tests" / "real" / "truth.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.qr_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--real-dev", type=Path, default=REAL_DEV)
    parser.add_argument("--truth", type=Path, default=TRUTH)
    parser.add_argument("--verbose", action="store_true", help="one line per image")
    args = parser.parse_args(argv)
    images = sorted((args.real_dev / "licenses").glob("*.jpg"))
    if not images:
        print(f"skipped: no licence images under {args.real_dev / 'licenses'}")
        return 0
    truth = yaml.safe_load(args.truth.read_text("utf-8")) if args.truth.is_file() else {}
    decoded = with_code = with_number = agree = differ = unknown = 0
    number_agree = seconds = 0.0
    for path in images:
        image = cv2.imread(str(path))
        started = time.perf_counter()
        readings = read_qr_codes(image)
        seconds += time.perf_counter() - started
        fields = (truth.get(f"licenses/{path.name}") or {}).get("fields") or {}
        code = next((r.credit_code for r in readings if r.credit_code), None)
        number = next((r.registration_number for r in readings if r.registration_number), None)
        decoded += bool(readings)
        with_code += bool(code)
        with_number += bool(number)
        number_agree += bool(number) and number == fields.get("registration_number")
        if code:
            printed = fields.get("credit_code")
            if printed is None:
                unknown += 1
            elif printed == code:
                agree += 1
            else:
                differ += 1
        if args.verbose:
            print(f"{path.name}  {code or number or (readings[0].text[:70] if readings else '—')}")
    total = len(images)
    print(f"licence images                 {total}")
    print(f"QR code decoded                {decoded}/{total} ({100 * decoded / total:.1f}%)")
    print(
        f"… carrying a credit code       {with_code}: {agree} equal the printed code in the truth,"
    )
    print(
        f"                               {differ} differ, {unknown} where the truth has none legible"
    )
    print(
        f"… carrying a 15-digit 注册号   {with_number} ({int(number_agree)} equal a printed 注册号 in the truth)"
    )
    print(f"seconds per image              {seconds / total:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
