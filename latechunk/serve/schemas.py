"""Request and response bodies (pydantic); every field is described, so ``/docs`` documents it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from latechunk.chunkers import CHUNKERS
from latechunk.serve.encoding import EmbeddingType

_CHUNKERS = ", ".join(sorted(CHUNKERS))


class TextInput(BaseModel):
    """One input as an object (the hosted API's multimodal form; only text is served here)."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The text to embed.")


Inputs = str | list[str | TextInput]


class _Common(BaseModel):
    """Fields shared by both embedding endpoints."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = Field(
        default=None,
        description="Accepted for compatibility with hosted clients; the server has one model and reports its name.",
    )
    input: Inputs = Field(
        description='A string, a list of strings, or a list of {"text": ...} objects. Must not be empty.',
    )
    task: str | None = Field(
        default=None,
        description="The model's task, e.g. retrieval.query, retrieval.passage, separation, classification, "
        "text-matching: selects the instruction prefix and, for jina-embeddings-v3, the LoRA adapter. "
        "null: the base model, no prefix. A task the model does not have is refused with 422.",
        examples=["retrieval.passage"],
    )
    dimensions: int | None = Field(
        default=None,
        ge=1,
        strict=True,  # true is not 1, "256" is not 256
        description="Matryoshka truncation: keep the first N dimensions (then re-normalise when `normalized`). "
        "At most the model's size.",
    )
    embedding_type: EmbeddingType | None = Field(
        default=None,
        description="float (JSON numbers, the default), base64 (little-endian float32), binary (sign bits packed "
        "eight to a byte as int8, value - 128), ubinary (the same bytes as uint8).",
    )
    encoding_format: EmbeddingType | None = Field(
        default=None, description="OpenAI's name for `embedding_type` (the openai client sends base64)."
    )
    encoding_type: EmbeddingType | None = Field(default=None, description="LlamaIndex's name for `embedding_type`.")
    normalized: bool | None = Field(
        default=None,
        description="L2-normalise every vector (after `dimensions`); default: true, or the server's "
        "--no-normalize-embeddings.",
    )

    @model_validator(mode="before")
    @classmethod
    def _null_means_default(cls, data: Any) -> Any:
        """Clients that send ``"late_chunking": null`` (or another switch as null) get its default."""
        if isinstance(data, dict):
            switches = ("late_chunking", "truncate")
            return {k: v for k, v in data.items() if not (k in switches and v is None)}
        return data

    @field_validator("input", mode="before")
    @classmethod
    def _check_input(cls, value: Any) -> Any:
        """One clear message per bad input instead of one per member of the union."""
        if isinstance(value, str):
            return value
        if not isinstance(value, list):
            raise ValueError(f"input must be a string or a list of strings, got {type(value).__name__}")
        for i, item in enumerate(value):
            if isinstance(item, str):
                continue
            if isinstance(item, dict) and set(item) == {"text"} and isinstance(item["text"], str):
                continue
            shown = "an object without a string 'text'" if isinstance(item, dict) else type(item).__name__
            raise ValueError(f'input[{i}] is {shown}; expected a string or {{"text": "..."}}')
        return value

    @model_validator(mode="after")
    def _one_embedding_type(self) -> _Common:
        given = {v for v in (self.embedding_type, self.encoding_format, self.encoding_type) if v is not None}
        if len(given) > 1:
            raise ValueError(
                "embedding_type, encoding_format and encoding_type are spellings of one setting; "
                f"they disagree: {sorted(given)}"
            )
        if isinstance(self.input, list) and not self.input:
            raise ValueError("input must not be empty")
        return self

    @property
    def wire_type(self) -> EmbeddingType:
        """The embedding type asked for under any of its names (default ``float``)."""
        return self.embedding_type or self.encoding_format or self.encoding_type or "float"

    @property
    def texts(self) -> list[str]:
        """The inputs as a list of strings."""
        items = [self.input] if isinstance(self.input, str) else self.input
        return [item if isinstance(item, str) else item.text for item in items]


class EmbeddingsRequest(_Common):
    """``POST /v1/embeddings``: the hosted jina-embeddings-v3 request (OpenAI's is a subset)."""

    late_chunking: bool = Field(
        default=False,
        description="true: the inputs are consecutive parts of one document, joined by one space and encoded "
        "together; each input gets its contextual vector. A document longer than the model window is encoded "
        "in overlapping windows (the library's), unless `truncate`.",
    )
    truncate: bool = Field(
        default=False,
        description="Cut each input (with late_chunking: the joined document) to one model window, counted with the "
        "model's tokenizer. false: longer inputs are encoded in overlapping windows.",
    )
    user: str | None = Field(default=None, description="OpenAI's end-user id; accepted and ignored.")


class ChunkEmbedRequest(_Common):
    """``POST /v1/chunk-embed``: chunk each document and embed each chunk in its document's context."""

    chunker: str | None = Field(
        default=None,
        description=f"How to cut documents, one of {_CHUNKERS} (default: the server's, sentences unless set).",
    )
    chunk_size: int | None = Field(
        default=None,
        ge=1,
        strict=True,
        description="Chunk budget in model tokens (default: the server's, 32 unless set).",
    )
    late_chunking: bool = Field(
        default=True, description="true: contextual chunk vectors; false: each chunk embedded alone (naive)."
    )

    @field_validator("chunker")
    @classmethod
    def _known_chunker(cls, value: str | None) -> str | None:
        if value is not None and value not in CHUNKERS:
            raise ValueError(f"unknown chunker {value!r}; chunker must be one of {_CHUNKERS}")
        return value


class Usage(BaseModel):
    """Tokens read, counted with the model's tokenizer, special tokens and instruction prefix included."""

    prompt_tokens: int = Field(description="Tokens of the inputs as the model reads them (no window overlap).")
    total_tokens: int = Field(description="The same as prompt_tokens (there is no output text).")


Embedding = list[float] | list[int] | str


class EmbeddingObject(BaseModel):
    """One input's vector."""

    object: Literal["embedding"] = Field(default="embedding", description="Always 'embedding'.")
    index: int = Field(description="Position of the input in the request.")
    embedding: Embedding = Field(description="The vector in the requested embedding_type.")


class EmbeddingsResponse(BaseModel):
    """The hosted API's (and OpenAI's) response shape."""

    model: str = Field(description="The served model's name.")
    object: Literal["list"] = Field(default="list", description="Always 'list'.")
    usage: Usage
    data: list[EmbeddingObject] = Field(description="One entry per input, in input order.")


class ChunkObject(BaseModel):
    """One chunk of a document."""

    text: str = Field(description="The chunk's text, equal to document[start:end].")
    start: int = Field(description="Start offset in the document, in Unicode code points (Python string indices).")
    end: int = Field(description="End offset (exclusive), in Unicode code points.")
    token_count: int = Field(description="Model tokens in the chunk.")
    embedding: Embedding = Field(description="The chunk vector in the requested embedding_type.")
    meta: dict[str, Any] = Field(
        default_factory=dict, description="What the chunker knows about the chunk, e.g. its Markdown heading path."
    )


class DocumentChunks(BaseModel):
    """The chunks of one input document."""

    object: Literal["chunks"] = Field(default="chunks", description="Always 'chunks'.")
    index: int = Field(description="Position of the document in the request.")
    chunks: list[ChunkObject] = Field(description="Chunks in document order (none for an empty document).")


class ChunkEmbedResponse(BaseModel):
    """Chunks with their vectors for every document."""

    model: str = Field(description="The served model's name.")
    object: Literal["list"] = Field(default="list", description="Always 'list'.")
    usage: Usage
    data: list[DocumentChunks] = Field(description="One entry per document, in input order.")


class ModelCard(BaseModel):
    """The served model."""

    id: str = Field(description="The model's name, as reported in responses.")
    object: Literal["model"] = Field(default="model", description="Always 'model'.")
    owned_by: str = Field(default="latechunk", description="Always 'latechunk'.")
    created: int = Field(description="Unix time the server loaded the model.")
    source: str = Field(description="The hub id or folder the weights came from.")
    dimensions: int = Field(description="Size of the model's vectors.")
    max_length: int = Field(description="Tokens per window (special tokens and prefix included).")
    tasks: list[str] = Field(description="Tasks the model accepts (empty: none; task must be null).")


class ModelList(BaseModel):
    """``GET /v1/models``."""

    object: Literal["list"] = Field(default="list", description="Always 'list'.")
    data: list[ModelCard]


class Health(BaseModel):
    """``GET /health``: 200 once the model is loaded, 503 while loading or when loading failed."""

    status: Literal["ok", "loading", "failed"] = Field(description="ok, loading or failed.")
    model: str = Field(description="The served model's name.")
    detail: str | None = Field(default=None, description="Why loading failed.")


class ErrorDetail(BaseModel):
    """The error in OpenAI's shape."""

    message: str = Field(description="The same text as detail.")
    type: str = Field(description="invalid_request_error, authentication_error, request_too_large, ...")
    code: int = Field(description="The HTTP status code.")


class ErrorBody(BaseModel):
    """Every error: a status code and a readable message."""

    detail: str = Field(description="What was wrong with the request, or why the server cannot serve it now.")
    error: ErrorDetail = Field(description="The same message where the openai client looks for it.")
