"""Building blocks for tiny randomly initialised models in tests: a tokenizer trained in-process."""

from __future__ import annotations

LONG_CONTEXT_CORPUS = [
    "Late chunking encodes a whole document once and pools the token vectors of each chunk.",
    "Berlin is the capital of Germany. It has about 3.8 million inhabitants.",
    "Die Stadt liegt an der Spree. 北京是中国的首都。東京は日本の首都です。",
    "مرحبا بالعالم. The quick brown fox jumps over the lazy dog.",
]


def train_xlmr_style_tokenizer(corpus: list[str], vocab_size: int, model_max_length: int):
    """A small BPE fast tokenizer with XLM-R's special tokens (<s>=0, <pad>=1, </s>=2, <unk>=3)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer.train_from_iterator(corpus, trainer)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        cls_token="<s>",
        sep_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=model_max_length,
    )
