#!/usr/bin/env python3
"""Split a labelled set into a tuning half and a held-out half, stratified.

usage: split.py ALL.jsonl TUNE.jsonl HOLDOUT.jsonl [--seed N] [--holdout-share 0.5]

Stratified by what a case tests (emergency category, hard-negative type, intent and topic),
so both halves cover every stratum. Deterministic for a given seed.
"""
import argparse, json, random
from collections import defaultdict


def stratum(c):
    e = c["expect"]
    if e["intent"] == "urgent":
        return "urgent:" + e.get("category", "?")
    if c.get("neg"):
        return "neg:" + c["neg"]
    if e.get("safety_net"):
        return "safety_net"
    if e["intent"] == "faq":
        return "faq:" + e["faq_id"][0]
    return e["intent"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("all")
    ap.add_argument("tune")
    ap.add_argument("holdout")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--holdout-share", type=float, default=0.5)
    a = ap.parse_args()
    cases = [json.loads(l) for l in open(a.all, encoding="utf-8") if l.strip()]
    groups = defaultdict(list)
    for c in cases:
        groups[stratum(c)].append(c)
    rng = random.Random(a.seed)
    tune, hold = [], []
    for key in sorted(groups):
        g = groups[key]
        rng.shuffle(g)
        k = round(len(g) * a.holdout_share)
        hold += g[:k]
        tune += g[k:]
    for path, part in ((a.tune, tune), (a.holdout, hold)):
        part.sort(key=lambda c: c["id"])
        with open(path, "w", encoding="utf-8") as f:
            for c in part:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"{len(cases)} cases: {len(tune)} tune, {len(hold)} held out")


if __name__ == "__main__":
    main()
