"""Sentence boundaries in the scripts and languages the seed model covers (sentences written for these tests)."""

from __future__ import annotations

import pytest

from latechunk.chunkers import split_sentences

# (language label, sentencex code or None for the default, the sentences; the text is them joined by a space)
TABLE = [
    ("English", None, ["Dr. Smith arrived at 5 p.m. yesterday.", "Mr. Jones, e.g. the baker, was late!", "Why?"]),
    ("German", "de", ["Am 3. Oktober ist Feiertag.", "Das ist z.B. ein Grund zum Feiern.", "Kommst du?"]),
    ("French", "fr", ["M. Dupont habite à Paris.", "Il aime le café !", "Et toi ?"]),
    ("Spanish", "es", ["¿Cómo estás?", "¡Muy bien!", "Gracias por preguntar."]),
    ("Italian", "it", ["Il treno parte alle otto.", "Arriviamo a Roma a mezzogiorno.", "Va bene?"]),
    ("Portuguese", "pt", ["O Sr. Silva mora em Lisboa.", "Ele trabalha num banco.", "Gosta do trabalho?"]),
    ("Dutch", "nl", ["Het regent vandaag.", "Neem je een paraplu mee?", "Ja, natuurlijk."]),
    ("Swedish", "sv", ["Vi åker till Göteborg i morgon.", "Tåget går klockan nio.", "Följer du med?"]),
    ("Polish", "pl", ["Mieszkam w Krakowie.", "To piękne miasto!", "Byłeś tam kiedyś?"]),
    ("Czech", "cs", ["Praha je hlavní město.", "Leží na Vltavě.", "Líbí se ti?"]),
    ("Russian", "ru", ["Москва — столица России.", "Т.е. самый большой город страны.", "Ты там был?"]),
    ("Ukrainian", "uk", ["Київ стоїть на Дніпрі.", "Це дуже старе місто.", "Ти був у Києві?"]),
    ("Greek", "el", ["Η Αθήνα είναι η πρωτεύουσα.", "Έχει πολλά μουσεία.", "Θα έρθεις;"]),
    ("Turkish", "tr", ["İstanbul iki kıtada yer alır.", "Nüfusu çok kalabalıktır.", "Gittin mi?"]),
    ("Arabic", "ar", ["القاهرة مدينة كبيرة.", "هل زرتها من قبل؟", "نعم، مرتين."]),
    ("Persian", "fa", ["تهران پایتخت ایران است.", "آیا آنجا بوده‌ای؟", "بله، یک بار."]),
    ("Urdu", "ur", ["لاہور ایک پرانا شہر ہے۔", "کیا آپ وہاں گئے ہیں؟", "جی ہاں۔"]),
    ("Hebrew", "he", ["ירושלים היא עיר עתיקה.", "האם ביקרת בה?", "כן, פעמיים."]),
    ("Hindi", "hi", ["दिल्ली भारत की राजधानी है।", "यह बहुत बड़ा शहर है॥", "क्या आप वहाँ गए हैं?"]),
    ("Bengali", "bn", ["ঢাকা বাংলাদেশের রাজধানী।", "শহরটি খুব ব্যস্ত।", "আপনি কি সেখানে গেছেন?"]),
    ("Marathi", "mr", ["मुंबई मोठे शहर आहे।", "तिथे समुद्र आहे।", "तुम्ही गेला आहात का?"]),
    ("Tamil", "ta", ["சென்னை ஒரு பெரிய நகரம்.", "அங்கே கடல் உள்ளது.", "நீங்கள் சென்றீர்களா?"]),
    ("Armenian", "hy", ["Երևանը մայրաքաղաքն է։", "Այն շատ հին քաղաք է։", "Դու եղե՞լ ես այնտեղ։"]),
    ("Georgian", "ka", ["თბილისი დედაქალაქია.", "ის ძალიან ლამაზია.", "იყავი იქ?"]),
    ("Amharic", "am", ["አዲስ አበባ ትልቅ ከተማ ናት።", "ሄደህ ታውቃለህ፧", "አዎ፣ ሁለት ጊዜ።"]),
    ("Burmese", "my", ["ရန်ကုန်မြို့သည် ကြီးမားသည်။", "သင် ရောက်ဖူးသလား။", "ဟုတ်ကဲ့။"]),
    ("Khmer", "km", ["ភ្នំពេញជាទីក្រុងធំ។", "អ្នកធ្លាប់ទៅទេ?", "បាទ។"]),
    ("Tibetan", "bo", ["ལྷ་ས་ནི་གྲོང་ཁྱེར་ཆེན་པོ་ཡིན།", "ཁྱེད་རང་དེར་ཕྱིན་མྱོང་ངམ།", "ལགས་སོ།"]),
    ("Vietnamese", "vi", ["Hà Nội là thủ đô của Việt Nam.", "Thành phố có nhiều hồ.", "Bạn đã đến chưa?"]),
    ("Indonesian", "id", ["Jakarta adalah ibu kota.", "Kotanya sangat ramai.", "Kamu pernah ke sana?"]),
    ("Thai", "th", ["กรุงเทพเป็นเมืองหลวง", "เมืองนี้ใหญ่มาก", "คุณเคยไปไหม"]),
    ("Korean", "ko", ["서울은 한국의 수도입니다.", "인구가 많습니다.", "가 본 적이 있어요?"]),
]

JOINED_WITHOUT_SPACES = [
    ("Chinese", "zh", ["北京是中国的首都。", "你去过吗？", "去过！"]),
    ("Japanese", "ja", ["東京は大きいです。", "行ったことがありますか？", "はい！"]),
]


def pieces(text: str, language: str | None = None) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text, language=language)]


@pytest.mark.parametrize(("label", "code", "sentences"), TABLE, ids=[row[0] for row in TABLE])
def test_sentences_in_many_languages(label, code, sentences):
    text = " ".join(sentences)
    assert pieces(text, code) == sentences
    if code not in ("de", "ru", "pt", "fr"):  # their abbreviations need their own code; terminators do not
        assert pieces(text) == sentences


@pytest.mark.parametrize(
    ("label", "code", "sentences"), JOINED_WITHOUT_SPACES, ids=[r[0] for r in JOINED_WITHOUT_SPACES]
)
def test_chinese_and_japanese_need_no_spaces(label, code, sentences):
    assert pieces("".join(sentences), code) == pieces("".join(sentences)) == sentences


def test_the_table_has_at_least_25_languages():
    assert len({row[0] for row in TABLE + JOINED_WITHOUT_SPACES}) >= 25


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The price is 5€. Next sentence.", ["The price is 5€.", "Next sentence."]),
        ("It costs $5. Then we left.", ["It costs $5.", "Then we left."]),
        ("¿Cómo estás? ¡Muy bien!", ["¿Cómo estás?", "¡Muy bien!"]),
        ("He said “Hello there.” Then he left.", ["He said “Hello there.”", "Then he left."]),
        ("“Run.” “Why?” “Because.”", ["“Run.”", "“Why?”", "“Because.”"]),
        ("We met Dr. Watson and Mr. Holmes at 9 a.m. today.", ["We met Dr. Watson and Mr. Holmes at 9 a.m. today."]),
        (
            "Bring fruit, e.g. apples, i.e. something sweet. Done.",
            ["Bring fruit, e.g. apples, i.e. something sweet.", "Done."],
        ),
        ("It ended at 5 p.m. The guests went home.", ["It ended at 5 p.m.", "The guests went home."]),
        ("Mr.Manly opened file.txt today. Fine.", ["Mr.Manly opened file.txt today.", "Fine."]),
        ("Version 3.5 is out. Next one.", ["Version 3.5 is out.", "Next one."]),
    ],
)
def test_defects_from_issue_14(text, expected):
    assert pieces(text) == expected


def test_thai_splits_at_spaces_but_keeps_other_scripts_words_together():
    text = "ฉันชอบกินข้าว แต่เขาชอบกินก๋วยเตี๋ยว Bangkok is big."
    assert pieces(text) == ["ฉันชอบกินข้าว", "แต่เขาชอบกินก๋วยเตี๋ยว Bangkok is big."]


def test_every_sentence_terminal_of_unicode_ends_a_sentence():
    regex = pytest.importorskip("regex")  # a dependency of transformers, so always there in tests
    from latechunk.chunkers import sentence_rules

    terminals = [chr(c) for c in range(0x110000) if regex.match(r"\p{Sentence_Terminal}", chr(c))]
    missed = [t for t in terminals if len(pieces(f"one{t} Two")) != 2 and t != "\u104a"]
    assert missed == [], [f"U+{ord(t):04X}" for t in missed]
    assert sentence_rules.TERMINAL_THEN_SPACE.pattern  # the table above is the module's own
