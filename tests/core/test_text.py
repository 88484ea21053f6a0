from __future__ import annotations

from tongxin.core.text import by_pinyin, pinyin_key


def test_names_sort_in_dictionary_order_not_by_code_point() -> None:
    names = ["张三", "王五", "李四", "刘六", "阿里"]
    assert sorted(names) == ["刘六", "张三", "李四", "王五", "阿里"]  # code points: no order anyone reads
    assert sorted(names, key=pinyin_key) == ["阿里", "李四", "刘六", "王五", "张三"]


def test_same_letters_sort_by_tone_then_by_the_name() -> None:
    assert sorted(["骂", "马", "麻", "妈"], key=pinyin_key) == ["妈", "麻", "马", "骂"]  # ma1 ma2 ma3 ma4
    assert sorted(["甲二村", "乙一村", "甲一村"], key=pinyin_key) == ["甲二村", "甲一村", "乙一村"]


def test_words_are_read_as_words() -> None:
    # 重 is chong in 重庆, not zhong; 行 is hang in 银行.
    assert pinyin_key("重庆")[0] == (("chong", 2), ("qing", 4))
    assert pinyin_key("银行")[0] == (("yin", 2), ("hang", 2))


def test_latin_letters_and_digits_keep_their_order() -> None:
    assert sorted(["b站", "A组", "3号楼"], key=pinyin_key) == ["3号楼", "A组", "b站"]


def test_by_pinyin_sorts_objects_by_the_name_given() -> None:
    rows = [{"n": "王五"}, {"n": "李四"}]
    assert by_pinyin(rows, lambda r: r["n"]) == [{"n": "李四"}, {"n": "王五"}]
