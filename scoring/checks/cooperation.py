"""Accessibility and cooperativeness: the ways a visitor can reach the body, ask, be heard, and find things.

Contact channels (e-mail, telephone, feedback forms, an online reception), tools for finding information (site
search, advanced search, calculators), polls and surveys (forms with choices, poll sections), forums and public
consultations, blogs and question-and-answer sections (with the counts of questions and answers where the page
shows them, as the 2010 study reported for ministers' blogs), mailing lists and RSS, social media accounts and
chat. A channel counts once however many pages repeat it.
"""

from __future__ import annotations

import re

from scoring.artifacts import SiteArtifacts
from scoring.checks.base import Check, CheckResult, Context, Evidence
from scoring.siteindex import form_evidence, index_of

CHANNELS = ("feedback", "forum", "blog", "faq", "subscribe", "chat")


_WORD_CHAR = re.compile(r"\w")


def _numbers(label: re.Pattern, number_first: re.Pattern, text: str) -> list[int]:
    """The counts a label gives in a lower-cased text: "questions: 128" (the label at a word start) or "128
    questions"."""
    got = [int(m.group(1)) for m in label.finditer(text) if not m.start() or not _WORD_CHAR.match(text, m.start() - 1)]
    return got + [int(x) for x in number_first.findall(text)]


def _counts(idx, pages) -> tuple[int, int, object]:
    """The largest question and answer counts shown on the pages ("Вопросов: 128, ответов: 97")."""
    q_words, a_words = idx.count_words("questions"), idx.count_words("answers")
    if not q_words:
        return 0, 0, None
    # Matched on lower-cased text with the label's letters (or a number's first digit) first, so the regex
    # engine skips ahead in C; whether a label starts a word is checked on its few matches. A label that
    # matched inside a word hides no other: what follows it is digits and separators.
    num = r"[:\s\-–—]{0,4}(\d{1,6})"
    q_re = re.compile(r"(?:" + "|".join(re.escape(w) for w in q_words) + r")\w*" + num)
    a_re = re.compile(r"(?:" + "|".join(re.escape(w) for w in a_words) + r")\w*" + num)
    q_rev = re.compile(r"(\d(?<![\d.]\d)\d{0,5})\s+(?:" + "|".join(re.escape(w) for w in q_words) + r")")
    a_rev = re.compile(r"(\d(?<![\d.]\d)\d{0,5})\s+(?:" + "|".join(re.escape(w) for w in a_words) + r")")
    best_q = best_a = 0
    where = None
    for p in pages:
        text = p.visible_text.lower()
        qs = _numbers(q_re, q_rev, text)
        ans = _numbers(a_re, a_rev, text)
        if qs and max(qs) > best_q:
            best_q, where = max(qs), p
        if ans:
            best_a = max(best_a, max(ans))
    return best_q, best_a, where


def run(site: SiteArtifacts, ctx: Context) -> CheckResult:
    idx = index_of(site, ctx)
    evidence: list[Evidence] = []
    findings: list[str] = []
    emails, phones = idx.emails, idx.phones
    feedback_forms = idx.forms_of("feedback")
    search_forms = idx.forms_of("search")
    poll_forms = idx.forms_of("poll")
    subscribe_forms = idx.forms_of("subscribe")
    calculators = idx.forms_of("calculator")
    advanced = [f for f in search_forms if f.fields >= 3] + [f for f in idx.forms_of("data")
                                                              if "search" in f.topics and f.fields >= 3]
    present: dict[str, bool] = {}
    for ch in CHANNELS + ("polls", "search", "calculator"):
        v = idx.topic(ch)
        present[ch] = bool(v.links or v.pages)
        if present[ch] and ch not in ("search",):
            evidence += idx.topic_evidence(ch, ch, limit=0)[:1]
    present["feedback"] = present["feedback"] or bool(feedback_forms)
    present["subscribe"] = present["subscribe"] or bool(subscribe_forms)
    chat = idx.chat_widgets
    present["chat"] = present["chat"] or bool(chat)
    for p, what in chat:
        evidence.append(Evidence(p.final_url, f"chat widget ({what}) loaded on the page", snippet=what))
    social = idx.social
    for net, (p, link) in list(social.items())[:4]:
        evidence.append(Evidence(p.final_url, f"social media: {net}", snippet=link.url))
    for f in (feedback_forms[:1] + search_forms[:1] + poll_forms[:2] + subscribe_forms[:1] + calculators[:1]):
        evidence.append(form_evidence(f, f"{f.kind} form"))
    for addr, p in list(emails.items())[:1]:
        evidence.append(Evidence(p.final_url, "contact: e-mail address", snippet=addr))
    for num, p in list(phones.items())[:1]:
        evidence.append(Evidence(p.final_url, "contact: telephone number", snippet=num))
    qa_pages = idx.topic("blog").pages + idx.topic("faq").pages + idx.topic("feedback").pages
    questions, answers, where = _counts(idx, qa_pages or [])
    if where is not None:
        evidence.append(Evidence(where.final_url, f"questions and answers shown: {questions} question(s), "
                                                  f"{answers} answer(s)", snippet=where.title))
    polls = len(poll_forms) + len(idx.topic("polls").pages) + (0 if poll_forms or idx.topic("polls").pages
                                                                 else int(bool(idx.topic("polls").links)))
    channels = [ch for ch in CHANNELS if present[ch]] + (["social"] if social else [])
    features = {
        "emails": len(emails),
        "phones": len(phones),
        "contact_means": int(bool(emails)) + int(bool(phones)) + int(bool(feedback_forms)),
        "feedback_forms": len(feedback_forms),
        "online_reception": present["feedback"],
        "site_search": bool(search_forms) or present["search"],
        "advanced_search": len(advanced),
        "calculators": len(calculators) + len(idx.topic("calculator").pages) + len(idx.topic("calculator").links),
        "polls": polls,
        "poll_forms": len(poll_forms),
        "forum": present["forum"],
        "blog": present["blog"],
        "faq": present["faq"],
        "qa_questions": questions,
        "qa_answers": answers,
        "subscribe": present["subscribe"],
        "social_networks": len(social),
        "chat": present["chat"],
        "channels": len(channels),
    }
    findings.append(f"contact: {len(emails)} e-mail(s), {len(phones)} phone number(s), "
                    f"{len(feedback_forms)} feedback form(s)")
    findings.append("channels beyond e-mail: " + (", ".join(channels) or "none"))
    findings.append(f"site search: {'yes' if features['site_search'] else 'no'}; polls: {polls}; "
                    f"calculators: {features['calculators']}")
    if questions:
        findings.append(f"questions and answers: {questions} / {answers}")
    if not (features["contact_means"] or channels or features["site_search"]):
        return CheckResult("not-found", "No contact channel, search or poll was found.", features, findings, evidence)
    explanation = (f"Contact by {features['contact_means']} mean(s); channels: {', '.join(channels) or 'none'}; "
                   f"search {'yes' if features['site_search'] else 'no'}; {polls} poll(s).")
    return CheckResult("found" if channels else "partial", explanation, features, findings, evidence)


CHECK = Check(
    id="contact-channels",
    title="Contact channels, search, polls, forums, blogs, subscriptions, social media and chat",
    criterion="accessibility-cooperativeness",
    requires=("pages",),
    run=run,
    description="Finds the ways to reach the body (e-mail, telephone, feedback forms, online reception), tools "
                "to find information (site search, advanced search, calculators), polls, forums, blogs and "
                "Q&A with their question counts, mailing lists, social media and chat.",
    features={
        "emails": "distinct e-mail addresses (mailto links and addresses in the text)",
        "phones": "distinct telephone numbers (tel links, numbers beside a word for telephone)",
        "contact_means": "kinds of basic contact: e-mail, telephone, feedback form (0-3)",
        "feedback_forms": "forms with a message box for questions, complaints or appeals",
        "online_reception": "an online reception, question or complaint section, or a feedback form",
        "site_search": "a site search box or search page",
        "advanced_search": "search forms with three or more fields",
        "calculators": "calculator forms, pages and links",
        "polls": "polls and surveys: poll forms and poll pages (a poll link counts when nothing else does)",
        "poll_forms": "forms with choices to vote on",
        "forum": "a forum or public consultation section",
        "blog": "a blog (e.g. the minister's)",
        "faq": "a questions-and-answers or FAQ section",
        "qa_questions": "the largest number of questions a blog or Q&A page shows",
        "qa_answers": "the largest number of answers a blog or Q&A page shows",
        "subscribe": "a mailing list, newsletter or RSS subscription",
        "social_networks": "distinct social networks the site links to (accounts, not share buttons)",
        "chat": "an online chat (a link, or a chat widget loaded by the page)",
        "channels": "kinds of channel beyond e-mail: online reception, forum, blog, FAQ, subscription, chat, "
                    "social media",
    },
)
