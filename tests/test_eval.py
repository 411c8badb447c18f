"""The evaluation harness: metrics on hand-made results with known scores, dataset checking, the
multi-turn runner, and a smoke run of the whole bundled dataset (extractive assistant + naive)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import config
from eval import metrics
from eval.__main__ import main
from eval.dataset import DatasetError, Item, load, parse_line
from eval.runner import answer_item, parse_systems

DATASET = config.ROOT / "eval" / "data" / "notice_qa.jsonl"


def result(answer: str = "", items: tuple[int, ...] = (), refused: bool = False, **extra) -> dict:
    return {"answer": answer, "citations": [{"item": n, "title": "", "section": ""} for n in items],
            "refused": refused, **extra}


# -- building blocks ----------------------------------------------------------------------------


def test_ranking_metrics():
    assert metrics.hit_at([3, 7, 9], [7], 1) == 0.0
    assert metrics.hit_at([3, 7, 9], [7], 3) == 1.0
    assert metrics.reciprocal_rank([3, 7, 9], [7, 9]) == 0.5
    assert metrics.reciprocal_rank([3], [7]) == 0.0
    assert metrics.hit_at([3], [], 1) is None and metrics.reciprocal_rank([3], []) is None
    assert metrics.precision([1, 2, 3, 4], [2, 4, 6]) == 0.5
    assert metrics.recall([1, 2, 3, 4], [2, 4, 6]) == pytest.approx(2 / 3)
    assert metrics.precision([], [1]) is None and metrics.recall([1], []) is None


def test_normalise_folds_script_case_and_punctuation():
    n = metrics.normalise
    assert n("省政務服務和數據管理局") == n("省政务服务和数据管理局")
    assert n("“港車北上”、「澳車北上」") == n("港车北上澳车北上")
    assert n("灣區 PASS") == n("湾区pass")
    assert n("１０％") == "10%"  # full-width folded by NFKC
    assert n("一網通辦3.0。") == "一网通办3.0"  # a decimal point between digits stays
    assert metrics.fact_recall("推進“一網通辦 3.0”建設", ["一網通辦3.0", "30"]) == 0.5
    assert metrics.fact_recall("anything", []) is None
    assert metrics.missing_facts("由省科技厅牵头", ["省科技廳", "省發展改革委"]) == ["省發展改革委"]


def test_percentile():
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([5], 95) == 5
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile(list(range(101)), 95) == 95


# -- one item -----------------------------------------------------------------------------------


def test_lead_question_scores():
    gold = {"gold_items": [7], "facts": ["省委網信辦", "省農業農村廳", "省政務服務和數據管理局"], "refuse": False}
    r = result("第七項由省委网信办、省农业农村厅牵头。", items=(7, 3))
    m = metrics.score_item(r, gold)
    assert m["hit@1"] == m["hit@3"] == m["hit@5"] == m["mrr"] == 1.0
    assert m["cit_precision"] == 0.5 and m["cit_recall"] == 1.0
    assert m["fact_recall"] == pytest.approx(2 / 3) and m["facts_all"] == 0.0
    assert m["false_refusal"] == 0.0 and m["refusal_acc"] is None
    assert m["list_recall"] is None
    assert m["score"] == pytest.approx(2 / 3)


def test_wrong_top_citation():
    m = metrics.score_item(result("…", items=(3, 9, 7)), {"gold_items": [7], "facts": [], "refuse": False})
    assert (m["hit@1"], m["hit@3"], m["mrr"]) == (0.0, 1.0, pytest.approx(1 / 3))
    assert m["fact_recall"] is None and m["score"] is None  # nothing to score the text on


def test_refusal_items():
    gold = {"gold_items": [], "facts": [], "refuse": True}
    ok = metrics.score_item(result("通知沒有相關內容。", refused=True), gold)
    assert ok["refusal_acc"] == 1.0 and ok["score"] == 1.0 and ok["false_refusal"] is None
    assert ok["hit@1"] is None and ok["cit_precision"] is None and ok["fact_recall"] is None
    made_up = metrics.score_item(result("浙江省要做三件事。", items=(3,)), gold)
    assert made_up["refusal_acc"] == 0.0 and made_up["score"] == 0.0
    # an in-scope question refused: a false refusal, scores 0, and misses retrieval
    wrong = metrics.score_item(result("不在範圍內", refused=True),
                               {"gold_items": [45], "facts": ["省體育局"], "refuse": False})
    assert wrong["false_refusal"] == 1.0 and wrong["score"] == 0.0 and wrong["hit@1"] == 0.0


def test_list_question():
    gold = {"gold_items": [9, 12, 15], "facts": ["3"], "refuse": False, "list": True}
    m = metrics.score_item(result("省科技廳牽頭3項:第九項、第十二項", items=(9, 12, 40)), gold)
    assert m["list_recall"] == pytest.approx(2 / 3) and m["list_complete"] == 0.0
    assert m["cit_precision"] == pytest.approx(2 / 3) and m["cit_recall"] == pytest.approx(2 / 3)
    assert m["fact_recall"] == 1.0
    assert m["score"] == pytest.approx((1.0 + 2 / 3) / 2)
    full = metrics.score_item(result("", items=(15, 12, 9)), gold)
    assert full["list_complete"] == 1.0


def test_header_questions_and_ranked_lists():
    # gold_items [] (a document question): no retrieval metrics; a citation counts against precision
    doc = metrics.score_item(result("2024年5月10日", items=(5,)), {"gold_items": [], "facts": ["2024年5月10日"],
                                                                  "refuse": False})
    assert doc["hit@1"] is None and doc["cit_recall"] is None and doc["cit_precision"] == 0.0
    assert doc["score"] == 1.0
    # a retrieval baseline: the ranked list (header node 0 first) is used, not just the citations
    ranked = metrics.score_item(result("", items=(5, 7), ranked=[0, 5, 7, 9]), {"gold_items": [7]})
    assert (ranked["hit@1"], ranked["hit@3"], ranked["mrr"]) == (0.0, 1.0, pytest.approx(1 / 3))


def test_missing_gold_fields_are_skipped():
    m = metrics.score_item(result("whatever", items=(1,)), {})
    assert all(v is None for v in m.values())
    rows = [
        {"metrics": {"hit@1": 1.0, "score": 1.0}, "latency_ms": 10, "category": "a"},
        {"metrics": {"hit@1": 0.0, "score": None}, "latency_ms": 30, "category": "b"},
        {"metrics": {"hit@1": None, "score": 0.5}, "latency_ms": 20, "category": "a", "error": "boom"},
    ]
    agg = metrics.aggregate(rows)
    assert agg["n"] == 3 and agg["hit@1"] == 0.5 and agg["n_hit@1"] == 2
    assert agg["score"] == 0.75 and agg["mrr"] is None and agg["n_mrr"] == 0
    assert agg["latency_p50_ms"] == 20 and agg["errors"] == 1
    by = metrics.breakdown(rows, "category")
    assert list(by) == ["a", "b"] and by["a"]["n"] == 2 and by["b"]["hit@1"] == 0.0


# -- runner -------------------------------------------------------------------------------------


class Recorder:
    """A fake system: answers each question with a canned answer and remembers the history it got."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[str, list]] = []

    def ask(self, question: str, history: list) -> dict:
        self.calls.append((question, list(history)))
        if "誰牽頭" in question:
            return result("由省政務服務和數據管理局牽頭。", items=(18,), kind="lead")
        return result("第十八項是推進低空經濟。", items=(18,))


def test_multi_turn_item_asks_earlier_turns_with_history():
    item = Item(id="mt-1", turns=("第十八項是什麼？", "由誰牽頭？"), category="multi_turn", lang="zh-Hant",
                gold={"gold_items": [18], "facts": ["省政務服務和數據管理局"], "refuse": False})
    system = Recorder()
    row = answer_item(system, item)
    assert system.calls == [("第十八項是什麼？", []), ("由誰牽頭？", [("第十八項是什麼？", "第十八項是推進低空經濟。")])]
    assert row["id"] == "mt-1" and row["system"] == "fake" and row["question"] == "由誰牽頭？"
    assert row["citations"][0]["item"] == 18 and row["refused"] is False and row["kind"] == "lead"
    assert row["latency_ms"] >= 0 and row["category"] == "multi_turn" and row["lang"] == "zh-Hant"
    assert row["metrics"]["hit@1"] == 1.0 and row["metrics"]["score"] == 1.0


def test_a_failing_system_is_recorded_not_raised():
    class Broken:
        name = "broken"

        def ask(self, question, history):
            raise RuntimeError("index gone")

    row = answer_item(Broken(), Item(id="x", turns=("q",), gold={"refuse": True}))
    assert row["error"] == "RuntimeError: index gone" and row["latency_ms"] is None
    assert row["metrics"]["refusal_acc"] == 0.0


def test_systems_option():
    assert parse_systems("full,naive", "none") == ["full", "naive"]
    assert parse_systems("naive,full,bm25", "local") == ["naive", "full", "full+llm", "bm25"]
    with pytest.raises(ValueError, match="unknown system"):
        parse_systems("full,gpt4", "none")
    with pytest.raises(ValueError, match="needs a model"):
        parse_systems("full+llm", "none")


# -- dataset ------------------------------------------------------------------------------------


def test_bundled_dataset_loads():
    items = load(DATASET)
    assert len(items) == 201
    assert sum(len(i.turns) > 1 for i in items) == 17
    assert sum(bool(i.gold.get("refuse")) for i in items) == 17


def test_unknown_fields_ignored_and_gold_optional():
    item = parse_line('{"id": 3, "question": "誰牽頭？", "extra": [1, 2]}')
    assert item.id == "3" and item.gold == {} and item.category is None


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"question": "q"}', "'id'"),
    ('{"id": "a"}', "exactly one of 'question' and 'turns'"),
    ('{"id": "a", "question": "q", "turns": ["q"]}', "exactly one of"),
    ('{"id": "a", "turns": []}', "'turns'"),
    ('{"id": "a", "question": "q", "gold_items": ["7"]}', "'gold_items'"),
    ('{"id": "a", "question": "q", "refuse": "yes"}', "'refuse'"),
])
def test_bad_lines_name_their_line_number(tmp_path: Path, line: str, message: str):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "question": "q"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=f"bad.jsonl:3: .*{message}"):
        load(path)


def test_cli_reports_a_bad_line_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "q"}\n{"id": "a", "question": "again"}\n', encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:2: duplicate id 'a'" in err and "Traceback" not in err
    assert not (tmp_path / "r.jsonl").exists()


# -- the whole dataset --------------------------------------------------------------------------


def test_smoke_run_whole_dataset(tmp_path: Path, index_cfg: config.Config, retriever):
    """`python -m eval run` over all 201 items with the extractive assistant and the naive baseline."""
    out, report = tmp_path / "results.jsonl", tmp_path / "report" / "report.md"
    code = main(["run", str(DATASET), "--out", str(out), "--report", str(report), "--llm", "none",
                 "--systems", "full,naive", "--index-dir", str(index_cfg.index_dir), "--quiet"])
    assert code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 * 201
    assert {r["system"] for r in rows} == {"full", "naive"}
    for r in rows:
        assert {"id", "system", "answer", "citations", "refused", "latency_ms", "category", "lang"} <= set(r)
        assert all(isinstance(c["item"], int) for c in r["citations"])

    text = report.read_text(encoding="utf-8")
    assert "python -m eval run" in text and "| full |" in text and "| naive |" in text
    summary = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["systems"] == ["full", "naive"]
    for system in ("full", "naive"):
        overall = summary["overall"][system]
        assert overall["n"] == 201 and overall["errors"] == 0
        for name in ("hit@1", "hit@3", "hit@5", "mrr", "cit_precision", "cit_recall", "fact_recall",
                     "list_recall", "refusal_acc", "false_refusal", "score"):
            assert isinstance(overall[name], float) and 0.0 <= overall[name] <= 1.0, (system, name)
        assert overall["latency_p50_ms"] is not None and overall["latency_p95_ms"] >= overall["latency_p50_ms"]
        assert set(summary["by_category"][system]) == set(summary["categories"])
        assert set(summary["by_lang"][system]) == {"zh-Hant", "zh-Hans", "en"}
    assert 0.0 <= summary["overall"]["full"]["hit@1"] <= 1.0
    assert summary["overall"]["naive"]["refusal_acc"] == 0.0  # the naive baseline never refuses
    for plot in summary["plots"]:
        assert (report.parent / plot).stat().st_size > 0 and f"]({plot})" in text


def test_explanation_metrics_flag_forbidden_claims_and_foreign_figures():
    from eval.metrics import score_item

    gold = {"gold_items": [20], "facts": [], "refuse": False, "forbidden_strings": ["已經出台"]}
    good = score_item({"answer": "x", "citations": [{"item": 20}],
                       "explanation": "通知提出加快研究起草《廣東省數據條例》〔第二十項〕。"}, gold)
    assert good["expl_faithful"] == 1.0 and good["expl_cit_precision"] == 1.0 and good["expl_cit_recall"] == 1.0
    bad = score_item({"answer": "x", "citations": [{"item": 20}],
                      "explanation": "條例已經出台〔第二十項〕。共有99條〔第二十項〕。沒有出處。"}, gold)
    assert bad["expl_faithful"] == 0.0 and bad["expl_cit_recall"] < 1.0
    none = score_item({"answer": "x", "citations": [{"item": 20}]}, gold)
    assert none["expl_faithful"] is None
