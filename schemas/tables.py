"""One Pandera model per warehouse table: the single definition of a valid row.

Validation is lazy, so every failing row of a batch is reported at once; the validate
stage turns each failure into a ``rejects`` row that names the article and the rule.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

HASH_16 = r"^[0-9a-f]{16}$"
HASH_64 = r"^[0-9a-f]{64}$"


class ArticleModel(pa.DataFrameModel):
    """A cleaned article, one row per source."""

    article_id: Series[str] = pa.Field(str_matches=HASH_16, unique=True)
    source_uri: Series[str] = pa.Field(str_length={"min_value": 1})
    url: Series[str] = pa.Field(nullable=True)
    title: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 1000})
    author: Series[str] = pa.Field(nullable=True, str_length={"max_value": 300})
    published: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{4}-\d{2}-\d{2}$")
    sitename: Series[str] = pa.Field(nullable=True)
    language: Series[str] = pa.Field(str_matches=r"^(?:[a-z]{2,3}|und)$")
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    content_hash: Series[str] = pa.Field(str_matches=HASH_64)
    raw_hash: Series[str] = pa.Field(str_matches=HASH_64)

    # ISO dates (YYYY-MM-DD) order as strings, which avoids pandas' nanosecond range.
    @pa.check("published", name="published date is not in the future")
    def _not_future(cls, published: Series[str]) -> Series[bool]:
        limit = (date.today() + timedelta(days=2)).isoformat()
        return published.isna() | (published <= limit)

    @pa.check("published", name="published date is after 1800")
    def _not_ancient(cls, published: Series[str]) -> Series[bool]:
        return published.isna() | (published >= "1800-01-01")

    class Config:
        strict = False  # more columns (tags, encoding, …) are welcome
        coerce = True


class ParagraphModel(pa.DataFrameModel):
    """A kept paragraph, in article order."""

    article_id: Series[str] = pa.Field(str_matches=HASH_16)
    position: Series[int] = pa.Field(ge=0)
    kind: Series[str] = pa.Field(isin=["heading", "body"])
    text: Series[str] = pa.Field(str_length={"min_value": 1})

    @pa.dataframe_check(name="one paragraph per (article_id, position)")
    def _unique_position(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["article_id", "position"], keep=False)

    @pa.check("text", name="paragraph text has no surrounding white space")
    def _stripped(cls, text: Series[str]) -> Series[bool]:
        return text == text.str.strip()

    class Config:
        strict = True
        coerce = True


class BoilerplateModel(pa.DataFrameModel):
    """A line the cleaner removed, and the rule that removed it."""

    article_id: Series[str] = pa.Field(str_matches=HASH_16)
    position: Series[int] = pa.Field(ge=0)
    text: Series[str] = pa.Field(str_length={"min_value": 1})
    rule: Series[str] = pa.Field(str_matches=r"^[a-z_]+$")

    class Config:
        strict = True
        coerce = True


class EntityModel(pa.DataFrameModel):
    """A canonical named entity; places carry their gazetteer country and coordinates."""

    entity_id: Series[str] = pa.Field(str_matches=HASH_16, unique=True)
    name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 300})
    label: Series[str] = pa.Field(isin=["PER", "ORG", "LOC", "MISC"])
    key: Series[str] = pa.Field(str_length={"min_value": 1})
    country_code: Series[str] = pa.Field(nullable=True, str_matches=r"^[A-Z]{2}$")
    latitude: Series[float] = pa.Field(nullable=True, ge=-90, le=90)
    longitude: Series[float] = pa.Field(nullable=True, ge=-180, le=180)
    geonameid: Series[pd.Int64Dtype] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = True


class EntityAliasModel(pa.DataFrameModel):
    """A surface form joined to an entity, and the rule that joined it."""

    entity_id: Series[str] = pa.Field(str_matches=HASH_16)
    alias: Series[str] = pa.Field(str_length={"min_value": 1})
    method: Series[str] = pa.Field(str_matches=r"^[a-z_]+$")
    score: Series[float] = pa.Field(ge=0, le=1)

    class Config:
        strict = True
        coerce = True


class QuantityModel(pa.DataFrameModel):
    """A figure in a paragraph: value, unit or counted noun, qualifier, sentence."""

    article_id: Series[str] = pa.Field(str_matches=HASH_16)
    position: Series[int] = pa.Field(ge=0)
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=1)
    surface: Series[str] = pa.Field(str_length={"min_value": 1})
    value: Series[float]
    unit: Series[str] = pa.Field(nullable=True)
    unit_key: Series[str] = pa.Field(nullable=True)
    qualifier: Series[str] = pa.Field(nullable=True)
    sentence: Series[str] = pa.Field(str_length={"min_value": 1})

    class Config:
        strict = True
        coerce = True


class MentionModel(pa.DataFrameModel):
    """One occurrence of an entity; offsets index into ``paragraphs.text``."""

    article_id: Series[str] = pa.Field(str_matches=HASH_16)
    position: Series[int] = pa.Field(ge=0)
    start: Series[int] = pa.Field(ge=0)
    end: Series[int] = pa.Field(ge=1)
    surface: Series[str] = pa.Field(str_length={"min_value": 1})
    entity_id: Series[str] = pa.Field(str_matches=HASH_16)

    @pa.dataframe_check(name="mention ends after it starts")
    def _ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["end"] > df["start"]

    @pa.dataframe_check(name="surface length matches the offsets")
    def _length(cls, df: pd.DataFrame) -> Series[bool]:
        return df["surface"].str.len() == (df["end"] - df["start"])

    class Config:
        strict = True
        coerce = True


class RejectModel(pa.DataFrameModel):
    """An input that did not become an article, with a reason a person understands."""

    run_id: Series[str] = pa.Field(str_length={"min_value": 1})
    source_uri: Series[str] = pa.Field(str_length={"min_value": 1})
    stage: Series[str] = pa.Field(isin=["read", "extract", "clean", "validate", "entities", "load"])
    reason: Series[str] = pa.Field(str_length={"min_value": 1})
    detail: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True


#: Which model validates which table.
MODELS: dict[str, type[pa.DataFrameModel]] = {
    "articles": ArticleModel,
    "paragraphs": ParagraphModel,
    "boilerplate": BoilerplateModel,
    "entities": EntityModel,
    "entity_aliases": EntityAliasModel,
    "mentions": MentionModel,
    "quantities": QuantityModel,
    "rejects": RejectModel,
}
