#!/usr/bin/env python3
"""The team scorer (shared/tools/score_mentions.py, copied so a clone can run it): mentions against gold, per spec/ANNOTATION.md."""
import csv, json, os, sys, unicodedata, collections


def norm(s):
    s = unicodedata.normalize("NFD", str(s or "")).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    for junk in ("tinh ", "thanh pho ", "tp. ", "tp ", "-", " "):
        s = s.replace(junk, "")
    return s


def load_gold(path):
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    for r in rows:
        r["value"] = float(r["value"])
        r["years"] = {int(y) for y in str(r["year"]).split("|") if y.strip()}
        r["optional"] = str(r.get("optional", "0")).strip() == "1"
    return rows


def load_pred(path):
    if path.endswith(".csv"):
        rows = list(csv.DictReader(open(path, encoding="utf-8")))
        return [dict(file=os.path.basename(r["file"]), indicator=r["indicator"], value=float(r["value"]),
                     province=r.get("province", ""), year=r.get("year", "")) for r in rows]
    import duckdb
    con = duckdb.connect(path, read_only=True)
    cols = {c[0] for c in con.execute("describe staging.indicator_mentions").fetchall()}
    prov = "province_name" if "province_name" in cols else "province_code"
    q = f"select source_path, indicator_code, value, {prov}, year from staging.indicator_mentions"
    if "is_target" in cols:
        q += " where not coalesce(is_target, false)"
    out = []
    for sp, ind, val, pv, yr in con.execute(q).fetchall():
        if val is None:
            continue
        out.append(dict(file=os.path.basename(str(sp)), indicator=ind, value=float(val), province=pv or "", year=yr))
    return out


def value_match(g, p):
    gv, pv = g["value"], p["value"]
    if abs(gv) < 1000 and float(gv).is_integer():
        return abs(gv - pv) < 1e-9
    return abs(gv - pv) <= 0.005 * abs(gv) + 1e-9


def attributed(g, p):
    pn, gn = norm(p["province"]), norm(g["province"])
    prov_ok = pn == gn or (gn == "national" and pn in ("national", "canuoc", "vn", "vietnam", "00"))
    try:
        year_ok = int(p["year"]) in g["years"]
    except (TypeError, ValueError):
        year_ok = False
    return prov_ok and year_ok


def score(gold, pred, files=None):
    if files is not None:
        gold = [g for g in gold if g["file"] in files]
        pred = [p for p in pred if p["file"] in files]
    by_key = collections.defaultdict(list)
    for g in gold:
        by_key[(g["file"], g["indicator"])].append(g)
    used = set()
    tp = tp_attr = fp = opt_hits = 0
    misses_fp = []
    matches = []  # (gold, prediction) pairs, for a per-figure record
    for p in pred:
        cands = [g for g in by_key.get((p["file"], p["indicator"]), []) if id(g) not in used and value_match(g, p)]
        if not cands:
            fp += 1
            misses_fp.append(p)
            continue
        cands.sort(key=lambda g: (not attributed(g, p), g["optional"]))
        g = cands[0]
        used.add(id(g))
        matches.append((g, p))
        if g["optional"]:
            opt_hits += 1
            continue
        tp += 1
        tp_attr += attributed(g, p)
    owed = [g for g in gold if not g["optional"]]
    fn = [g for g in owed if id(g) not in used]
    P = tp / (tp + fp) if tp + fp else 0.0
    R = tp / len(owed) if owed else 0.0
    F = 2 * P * R / (P + R) if P + R else 0.0
    Pa = tp_attr / (tp + fp) if tp + fp else 0.0
    Ra = tp_attr / len(owed) if owed else 0.0
    Fa = 2 * Pa * Ra / (Pa + Ra) if Pa + Ra else 0.0
    return dict(gold=len(owed), pred=len(pred), tp=tp, fp=fp, fn=len(fn), P=P, R=R, F1=F,
                tp_attributed=tp_attr, P_attr=Pa, R_attr=Ra, F1_attr=Fa,
                false_positives=[(p["file"], p["indicator"], p["value"]) for p in misses_fp],
                matches=matches, unmatched_predictions=misses_fp,
                missed=[(g["file"], g["indicator"], g["value"], g["evidence"]) for g in fn])


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    gold, pred = load_gold(argv[1]), load_pred(argv[2])
    files = None
    if "--files-from" in argv:
        files = set(os.listdir(argv[argv.index("--files-from") + 1]))
    r = score(gold, pred, files)
    if "--json" in argv:
        print(json.dumps(r, ensure_ascii=False, indent=1))
    else:
        for fp in r["false_positives"]:
            print("FP  ", *fp)
        for m in r["missed"]:
            print("MISS", *m)
        print(f"value-level P={r['P']:.3f} R={r['R']:.3f} F1={r['F1']:.3f} | attributed P={r['P_attr']:.3f} "
              f"R={r['R_attr']:.3f} F1={r['F1_attr']:.3f} (gold {r['gold']}, pred {r['pred']}, tp {r['tp']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
