#!/usr/bin/env python3
"""The features mlp makes of a date column, computed with Python's datetime: the reference that the
ONNX graph's calendar arithmetic (and mlp's own encoder) are tested against.

usage: date_features.py MEAN STD [--hours] [--fill T] < DATES

DATES: one ISO 8601 date or date-time per line (2012-01-31, 2012-01-31T13:45:00, 2012-01-31 13:45;
no zone: UTC), or an empty line, NA or ? for a missing date (filled with T, seconds since 1970, when
--fill is given). Prints a JSON list: per date, t (seconds since 1970-01-01T00:00:00Z) and its features
  (t - MEAN)/STD,
  sin and cos of 2*pi*(doy - 1)/365.2425, doy the day of the year of the UTC date (1 ... 366),
  sin and cos of 2*pi*dow/7, dow the day of the week (Monday 0 ... Sunday 6),
  with --hours: sin and cos of 2*pi*h/24, h the seconds of the UTC day / 3600,
or null features for a missing date without --fill.
"""
import argparse
import datetime
import json
import math
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def seconds(text):
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return (moment - EPOCH) / datetime.timedelta(seconds=1)


def features(t, mean, std, hours):
    moment = EPOCH + datetime.timedelta(seconds=t)
    doy = moment.timetuple().tm_yday
    dow = moment.weekday()
    h = (moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6) / 3600
    out = [(t - mean) / std]
    for angle in (2 * math.pi * (doy - 1) / 365.2425, 2 * math.pi * dow / 7) + ((2 * math.pi * h / 24,) if hours else ()):
        out += [math.sin(angle), math.cos(angle)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mean", type=float)
    parser.add_argument("std", type=float)
    parser.add_argument("--hours", action="store_true")
    parser.add_argument("--fill", type=float)
    args = parser.parse_args()
    rows = []
    for line in sys.stdin.read().split("\n")[:-1]:
        text = line.strip()
        if text in ("", "NA", "?"):
            t = args.fill
        else:
            t = seconds(text)
        rows.append({"t": t, "features": None if t is None else features(t, args.mean, args.std, args.hours)})
    json.dump(rows, sys.stdout)
    print()


if __name__ == "__main__":
    main()
