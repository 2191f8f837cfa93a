"""Time the word diff and the readability metrics on about 1 MB of prose.

Run as ``.venv/bin/python bench/diff_speed.py [--size BYTES] [--edits N]``.
The text is generated from a seeded random, so every run measures the same
input: sentences drawn from a fixed vocabulary, grouped into paragraphs, and
a second version with scattered word replacements, insertions and deletions.
For scale it also times ``difflib.SequenceMatcher(...).get_opcodes()`` on the
tokens of a smaller text (100 kB by default, with proportionally fewer edits)
and ``word_diff`` on that same text: difflib grows much faster than linearly
on long token lists (about 1 s at 100 kB, over 30 s at 300 kB), so it is not
run at 1 MB. The ratio printed is difflib's time over ``word_diff``'s there.
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import time
from collections.abc import Callable

from service.documents._tokens import TOKEN
from service.documents.diff import word_diff
from service.documents.metrics import text_metrics

_WORDS = """
a about above across action after again against age ago agree air all almost
alone along already also although always among an and animal another answer
any appear apply area argue arm around arrive art as ask at attention author
available away baby back bad bag ball bank bar base be beautiful because become
bed before begin behaviour behind believe benefit best better between beyond
big bill bit black blood blue board body book born both box boy break bring
brother build building business but buy by call camera campaign can cancer
candidate capital car card care career carry case catch cause cell central
century certain certainly chair challenge chance change character charge check
child choice choose church citizen city civil claim class clear clearly close
coach cold collection college colour come commercial common community company
compare computer concern condition conference consider consumer contain
continue control cost could country couple course court cover create crime
cultural culture cup current customer cut dark data daughter day dead deal
death debate decade decide decision deep defence degree democratic describe
design despite detail determine develop development difference different
difficult dinner direction director discover discuss discussion disease do
doctor dog door down draw dream drive drop drug during each early east easy
eat economic economy edge education effect effort eight either election else
employee end energy enjoy enough enter entire environment environmental
especially establish even evening event ever every everybody everyone
everything evidence exactly example executive exist expect experience expert
explain eye face fact factor fail fall family far fast father fear federal
feel feeling few field fight figure fill film final finally financial find
fine finger finish fire firm first fish five floor fly focus follow food foot
for force foreign forget form former forward four free friend from front full
fund future game garden gas general generation get girl give glass go goal
good government great green ground group grow growth guess gun guy hair half
hand hang happen happy hard have he head health hear heart heat heavy help her
here herself high him himself his history hit hold home hope hospital hot
hotel hour house how however huge human hundred husband idea identify if image
imagine impact important improve in include including increase indeed
indicate individual industry information inside instead institution interest
interesting international interview into investment involve issue it item its
itself job join just keep key kid kill kind kitchen know knowledge land
language large last late later laugh law lawyer lay lead leader learn least
leave left leg legal less let letter level lie life light like likely line
list listen little live local long look lose loss lot love low machine
magazine main maintain major majority make man manage management manager many
market marriage material matter may maybe me mean measure media medical meet
meeting member memory mention message method middle might military million
mind minute miss mission model modern moment money month more morning most
mother mouth move movement movie much music must my myself name nation
national natural nature near nearly necessary need network never new news
newspaper next nice night no none nor north not note nothing notice now number
occur of off offer office officer official often oil ok old on once one only
onto open operation opportunity option or order organization other others our
out outside over own owner page pain painting paper parent part participant
particular particularly partner party pass past patient pattern pay peace
people per perform performance perhaps period person personal phone physical
pick picture piece place plan plant play player point police policy political
politics poor popular population position positive possible power practice
prepare present president pressure pretty prevent price private probably
problem process produce product production professional professor program
project property protect prove provide public pull purpose push put quality
question quickly quite race radio raise range rate rather reach read ready
real reality realize really reason receive recent recently recognize record
red reduce reflect region relate relationship religious remain remember remove
report represent require research resource respond response responsibility
rest result return reveal rich right rise risk road rock role room rule run
safe same save say scene school science scientist score sea season seat second
section security see seek seem sell send senior sense series serious serve
service set seven several shake share she shoot short shot should shoulder
show side sign significant similar simple simply since sing single sister sit
site situation six size skill skin small smile so social society soldier some
somebody someone something sometimes son song soon sort sound source south
southern space speak special specific speech spend sport spring staff stage
stand standard star start state statement station stay step still stock stop
store story strategy street strong structure student study stuff style subject
success successful such suddenly suffer suggest summer support sure surface
system table take talk task tax teach teacher team technology television tell
ten tend term test than thank that the their them themselves then theory there
these they thing think third this those though thought thousand threat three
through throughout throw thus time to today together tonight too top total
tough toward town trade traditional training travel treat treatment tree trial
trip trouble true truth try turn two type under understand unit until up upon
us use usually value various very victim view violence visit voice vote wait
walk wall want war watch water way we weapon wear week weight well west
western what whatever when where whether which while white who whole whom
whose why wide wife will win wind window wish with within without woman wonder
word work worker world worry would write writer wrong yard yeah year yes yet
you young your yourself
"""
_VOCABULARY = _WORDS.split()

_RUNS = 5


def make_text(size: int, rng: random.Random) -> str:
    """Paragraphs of random sentences, ``size`` characters or a little more."""
    paragraphs: list[str] = []
    length = 0
    while length < size:
        sentences = []
        for _ in range(rng.randint(2, 6)):
            words = rng.choices(_VOCABULARY, k=rng.randint(5, 28))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9999):,}")
            if len(words) > 8 and rng.random() < 0.4:
                words[rng.randrange(2, len(words) - 2)] += ","
            sentences.append(" ".join(words).capitalize() + rng.choice(".....?!"))
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)


def edit_text(text: str, edits: int, rng: random.Random) -> str:
    """Apply ``edits`` scattered word replacements, insertions and deletions."""
    tokens = TOKEN.findall(text)
    words = [i for i, token in enumerate(tokens) if token[0].isalpha()]
    for i in rng.sample(words, edits):
        roll = rng.random()
        if roll < 0.5:
            tokens[i] = rng.choice(_VOCABULARY)
        elif roll < 0.8:
            tokens[i] = f"{tokens[i]} {rng.choice(_VOCABULARY)}"
        else:
            tokens[i] = ""
            if i + 1 < len(tokens) and tokens[i + 1] == " ":
                tokens[i + 1] = ""
    return "".join(tokens)


def median_seconds(run: Callable[[], object], runs: int = _RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="bytes of text (default 1 MB)")
    parser.add_argument("--edits", type=int, default=3000, help="word edits (default 3000)")
    parser.add_argument(
        "--difflib-size", type=int, default=100_000, help="text size for difflib (default 100 kB)"
    )
    args = parser.parse_args()

    rng = random.Random(20240611)
    before = make_text(args.size, rng)
    after = edit_text(before, args.edits, rng)
    result = word_diff(before, after)
    print(f"text: {len(before):,} -> {len(after):,} characters, {args.edits:,} word edits")
    print(f"diff: {len(result.ops):,} ops, changed_ratio {result.stats.changed_ratio}")

    diff_time = median_seconds(lambda: word_diff(before, after))
    metrics_time = median_seconds(lambda: text_metrics(after))
    print(f"word_diff    on {len(before):>9,} chars: median {diff_time * 1000:8.1f} ms")
    print(f"text_metrics on {len(after):>9,} chars: median {metrics_time * 1000:8.1f} ms")

    small_size = min(args.size, args.difflib_size)
    small_edits = max(1, args.edits * small_size // args.size)
    small_before = make_text(small_size, rng)
    small_after = edit_text(small_before, small_edits, rng)
    a_tokens = TOKEN.findall(small_before)
    b_tokens = TOKEN.findall(small_after)
    difflib_time = median_seconds(
        lambda: difflib.SequenceMatcher(None, a_tokens, b_tokens).get_opcodes()
    )
    ours_small = median_seconds(lambda: word_diff(small_before, small_after))
    print(
        f"difflib.SequenceMatcher on {len(small_before):>9,} chars ({small_edits:,} edits, "
        f"tokens only): median {difflib_time * 1000:8.1f} ms"
    )
    print(f"word_diff    on that same text: median {ours_small * 1000:8.1f} ms")
    print(f"difflib / word_diff at {len(small_before):,} chars: {difflib_time / ours_small:.1f}x")


if __name__ == "__main__":
    main()
