from typing import List

from openai import AsyncOpenAI, OpenAI

from ..settings import settings

openai_client = OpenAI(api_key=settings.openai_api_key, timeout=30.0)
async_openai_client = AsyncOpenAI(api_key=settings.openai_api_key, timeout=30.0)

SYSTEM_PROMPT = "You are a friendly bookseller. Answer briefly."


async def recommend_similar(title: str, author: str, count: int = 5) -> List[str]:
    completion = await async_openai_client.chat.completions.create(
        model=settings.openai_model,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"List {count} books similar to '{title}' by {author}, "
                                        "one title per line."},
        ],
        temperature=0.7,
    )
    text = completion.choices[0].message.content or ""
    return [line.strip("-• ").strip() for line in text.splitlines() if line.strip()][:count]
