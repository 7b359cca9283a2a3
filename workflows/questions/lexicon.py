"""The wordings the question parser understands, as data.

Every pattern is matched against a question's lower-cased words joined by single spaces,
on word boundaries. A wording that fails in real use is added here and to the evaluation
set in tests/workflows/test_parse.py.
"""

from __future__ import annotations

W = r"[^ \x00]+"


def word_list(text: str) -> tuple[str, ...]:
    """The words of a text block, in order."""
    return tuple(text.split())


# one word that is still free (taken words are '\x00')

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
}

# ---- what a question groups by ---------------------------------------------------------
GROUP_WORDS = {
    "cost_center": r"cost cent(?:er|re)s?",
    "use_case": r"use cases?|usecases?",
    "category": r"(?:cost )?categor(?:y|ies)|cost types?|types? of costs?|cost buckets?",
    "initiative": r"(?:ai )?(?:initiatives?|projects?|programs?|programmes?|spenders?)",
    "department": r"departments?|depts?|teams?|business units?|divisions?",
    "provider": r"providers?|vendors?|suppliers?",
    "model": r"models?|llms?",
    "stage": r"(?:lifecycle )?stages?|phases?",
    "month": r"months?",
}
ANY_GROUP = "|".join(f"(?:{p})" for p in GROUP_WORDS.values())
GROUP_CUE = (
    r"(?:(?:broken|break(?:ing)?(?: it)?|drill(?:ing)?) down |split(?: up)? |grouped |group |"
    r"sorted |sliced |segmented |organi[sz]ed |categori[sz]ed |breakdown )?(?:by|per)(?: each| every)?"
    r"|(?:for|in|of) (?:each|every)|each|every|across(?: all)?(?: the| our)?|breakdown (?:of|across)"
)
MONTHLY = (
    r"monthly|month by month|month on month basis|by month|per month|each month|every month"
    r"|over time|trend(?:s|line)?|trend line|time series"
)
BREAKDOWN = r"breakdown|break ?down|split"  # alone: by cost category

# ---- measures --------------------------------------------------------------------------
SAVINGS_COMPARE = (
    r"(?:(?:compared|relative|in comparison) (?:to|with|against)|vs|versus|v|against|than|over)"
    r" (?:the |a |our |doing it )?(?:baseline|manual(?:ly)?(?: (?:process|processes|work|handling|cost|costs|baseline|approach))?"
    r"|by hand|humans?|people|the old way)"
)
BUDGET_COMPARE = (
    r"(?:spend|spending|spent|cost|costs|actuals?) (?:vs|versus|v|against|compared to|compared with"
    r"|relative to) (?:the |our |their |its )?budgets?|budgets? (?:vs|versus|v|against|compared to"
    r"|compared with) (?:actuals?|spend|spending)"
)
OVER_BUDGET = (
    r"(?:(?:gone|went|go|going|run|ran|running) )?(?:over|above|beyond|past|exceed(?:ed|ing|s)?"
    r"|blown(?: through)?|blew(?: through)?|busted|broke|breach(?:ed|ing|es)?|overr?un(?:ning)?|overspent"
    r"|overspending) (?:the |their |its |our |his |her |a )?budgets?|overspen(?:t|ding|d)|budget overruns?"
    r"|over-budget"
)
NOT_REPORTED = (
    r"(?:(?:have|has|did|do|does|are|is)(?: still)? not|never|not)(?: yet)? (?:reported|report|submitted|submit|sent|send"
    r"|filed|file|responded|respond|replied|reply|answered|answer|done)(?: (?:their|its|any|the|a))?"
    r"(?: (?:figures|numbers|reports?|reviews?|review|submissions?|costs|results))?(?: yet)?"
    r"|missing (?:their |its |the |any |a )?(?:\x00 )*(?:reports?|figures|submissions?|reviews?|numbers)"
    r"|(?:with )?no reports?"
    r"|(?:reports?|submissions?|reviews?|figures) (?:are |is )?(?:still )?(?:missing|outstanding|overdue|late|pending|due)"
    r"|(?:outstanding|overdue|late|pending|missing) (?:reports?|submissions?|reviews?|figures)"
    r"|(?:still|yet) (?:need|needs|have|has|got)? ?to (?:report|submit)|unreported|not reporting"
    r"|have ?n?o?t? yet reported"
    r"|(?:is|are|s|running) (?:late|overdue|behind)(?: (?:with|on) (?:their |its |the )?"
    r"(?:reviews?|reports?|figures|numbers|submissions?))?"
)
VALUE_PER_DOLLAR = (
    r"(?:value|return|returns|benefit|benefits) (?:per|for each|for every|on each|on every|on the|per each)"
    r" (?:ai |invested |spent )?(?:dollar|buck)s?(?: spent| invested| of ai spend)?|value for money"
    r"|bang for (?:the |our |your )?buck|value (?:to|per|over|vs|versus|against) (?:ai )?(?:cost|spend|spending)"
    r"|value per ai (?:spend|dollar)|value to cost(?: ratio)?|dollar for dollar value"
    r"|perform(?:ing|s|ed|ance)?|performers?"
)
ROI = (
    r"roi|r o i|return on (?:ai |the |our )?investments?|returns?|payback|pay(?:s|ing)? off|paid off"
    r"|worth it|worth the (?:money|cost|spend|investment)|pay for itself|paying for itself"
)
COST_PER = (
    rf"(?:cost|costs|spend|spent|spending|price|expense)s? (?:per|for each|for every|of each|of one|of a single)"
    rf" (?!(?:{ANY_GROUP}|dollar|dollars|buck|quarter|year|day|week|ai|the)\b)(?:single )?{W}"
    rf"(?: (?:resolved|processed|handled|closed|completed|extracted|reviewed|summari[sz]ed|generated|written|answered))?"
    rf"|per (?!(?:{ANY_GROUP}|dollar|quarter|year|day|week)\b){W} (?:cost|costs|price|spend)"
    rf"|how much (?:per|for each|for every|for one|for a single) (?!(?:{ANY_GROUP}|dollar|quarter|year|day|week)\b){W}"
    r"|unit costs?|cost per outcome|per outcome|per unit|cost efficiency|cpo|cost per resolution"
)
FORECAST = (
    r"forecast(?:s|ed|ing)?|projected|projection|projections|run ?rate|runrate|on (?:track|pace|course)"
    r"|trajectory|expected|expect|going to (?:spend|cost|be)|will|end of (?:the )?(?:year|quarter|month)"
    r"|year end|quarter end|by year end|predict(?:ed|ion)?"
)
BUDGET = (
    r"how much (?:of (?:the |our |their |its )?)?budget(?: is| do we have| does \S+ have)? (?:left|remaining)"
    r"|budgets?(?: use| usage| used| utili[sz]ation| left| remaining| status| burn| consumption| vs actuals?)?"
    r"|remaining budget|left (?:in|of) (?:the |their |its |our )?budgets?|headroom"
    r"|(?:under|within|on) budget|allocation|allowance|burn rate"
)
OUTCOME_NOUNS = (
    "ticket",
    "case",
    "document",
    "request",
    "conversation",
    "resolution",
    "lead",
    "email",
    "task",
    "item",
    "unit",
    "transaction",
    "query",
    "chat",
    "result",
)
HOW_MANY_NOT = (
    r"(?:ai )?(?:initiatives?|projects?|pilots?|programs?|departments?|teams?|providers?|models?)"
)
OUTCOMES = (
    rf"how many(?! {HOW_MANY_NOT}\b)|number of(?! {HOW_MANY_NOT}\b)|outcomes?|volumes?|throughput"
    r"|count of|output|units delivered"
)
VALUE = r"value(?: delivered| generated| created| added)?|benefits?|valuable|worth"
SAVINGS = r"savings?|saved|saves?|cost avoidance|avoided costs?"
SPEND = (
    r"total cost of ownership|cost of ownership|tco|spend(?:s|ing)?|spent|costs?|costing|pay(?:s|ing)?|paid"
    r"|bills?|billing|billed|expenses?|expensive|expenditures?|charges?|charged|outlay|money|dollars"
    r"|prices?|pricey|cheap|burn(?:ing)?|invested|investment|funding"
)
HOW_MUCH = r"how much"
SPEND_RANK_WORDS = frozenset(
    {
        "most expensive",
        "priciest",
        "costliest",
        "cheapest",
        "least expensive",
        "spenders",
        "spender",
    }
)

# "which pilots should we kill": the lowest value per AI dollar; "scale": the highest.
KILL = r"(?:should (?:we |i )?|to |candidates? (?:to |for )?|worth )(?:kill(?:ing)?|stop(?:ping)?|cut(?:ting)?|cancel(?:l?ing)?|shut(?:ting)? down|retire|drop(?:ping)?)"
SCALE = r"(?:should (?:we |i )?|to |candidates? (?:to |for )?|worth )(?:scal(?:e|ing)(?: up)?|expand(?:ing)?|invest(?:ing)? more in|doubl(?:e|ing) down on)"

# ---- ranking ---------------------------------------------------------------------------
RANK_DESC = (
    r"top|most expensive|biggest|largest|highest|(?<!at )most|priciest|costliest|greatest|heaviest"
    r"|max(?:imum)?|leading"
)
RANK_ASC = r"cheapest|least expensive|lowest|smallest|(?<!at )least|bottom|fewest|min(?:imum)?"
RANK_JUDGE = r"best|worst|poorest|weakest|strongest"
COST_LIKE = frozenset({"spend", "cost_per_outcome", "forecast", "budget_use"})
DEFAULT_TOP = 5

# ---- comparison ------------------------------------------------------------------------
COMPARE_INFIX = (
    r"vs|versus|v|against|compared?(?: (?:to|with|against))?|relative to|in comparison (?:to|with)"
    r"|(?:more|less|higher|lower|bigger|smaller) than"
)
COMPARE_VERB = r"compare|comparing|comparison(?: of| between)?"
COMPARE_WEAK = (
    r"change[sd]?|changing|difference|diff|grow(?:th|n|ing)?|grew|increase[sd]?|increasing"
    r"|decrease[sd]?|decreasing|delta|(?:went|go|gone|going) (?:up|down)(?: or (?:up|down))?|up or down"
    r"|drop(?:ped|s)?|declin(?:e|ed|es|ing)|shr[au]nk|fallen|falling"
    r"|rose|fell|jump(?:ed)?|than"
)
# A change downwards: "fell the most" ranks the largest decreases first.
FALLING = r"\b(?:fell|fallen|falling|drop\w*|decreas\w*|declin\w*|shr[au]nk|(?:went|go|gone|going) down)\b"
COMPARE_TARGET_BEFORE = frozenset({"vs", "versus", "v", "against", "to", "with", "than"})
SHIFTS = {
    12: (
        r"yoy|y/y|year (?:over|on) year|(?:the )?same (?:period|quarter|month|time) (?:last|a|the previous|the prior|in the previous|in the prior|of last) year"
        r"|(?:a|one) year (?:ago|earlier|before|prior)|(?:the )?year before|(?:the )?prior year period"
    ),
    3: r"qoq|q/q|quarter (?:over|on) quarter|(?:a|one) quarter (?:ago|earlier|before)|(?:the )?quarter before",
    1: r"mom|m/m|month (?:over|on) month|(?:a|one) month (?:ago|earlier|before)|(?:the )?month before",
    0: r"(?:the )?(?:previous|prior|preceding|last) period|(?:the )?period before",
}
# A relative period after "vs": "Q3 vs last year" means Q3 of last year.
RELATIVE_BACK = {
    "last year": 12,
    "previous year": 12,
    "prior year": 12,
    "last fiscal year": 12,
    "previous fiscal year": 12,
    "last fy": 12,
    "last quarter": 3,
    "previous quarter": 3,
    "prior quarter": 3,
    "last month": 1,
    "previous month": 1,
    "prior month": 1,
}

# ---- scope words -----------------------------------------------------------------------
CATEGORIES = {
    "oversight": (
        r"oversight|human (?:review|reviews|reviewers|oversight|in the loop)|hitl|reviewers?"
        r"|manual review|human costs?|people costs?|labou?r"
    ),
    "inference": r"inference|api(?: usage| calls?| costs?)?|tokens?|token usage|llm usage|model usage",
    "data": (
        r"data (?:prep(?:aration)?|storage|labell?ing|pipelines?|engineering|processing)|storage|labell?ing"
        r"|data(?= (?:costs?|spend|spending|expenses?|bills?|category)(?![^ ]))|(?<=on )data|(?<=for )data"
    ),
    "maintenance": r"maintenance|upkeep|maintaining",
    "infrastructure": r"infra(?:structure)?|hosting|gpus?|servers?|compute",
    "other": r"other (?:costs?|category|spend|spending)|misc(?:ellaneous)?(?: costs?)?",
}
STAGES = {
    "pilot": r"(?:in )?(?:the )?(?:pilot(?:s| stage| phase)?|piloting)",
    "production": r"(?:in )?(?:production|prod)|live|deployed|in use",
    "paused": r"paused|on hold",
    "retired": r"retired|killed|stopped|sunset(?:ted)?|decommissioned|shut down",
}
HINTS = (
    rf"{ANY_GROUP}|the (?:company|business|portfolio|org|organi[sz]ation)|use case"
    r"|(?:ai|genai|gen ai|llm) (?:portfolio|spend|programme|program)"
)

# Words that carry no meaning of their own here (after everything else has been read).
FILLER = frozenset(
    word_list(
        """
    a about above across actually after again all also altogether am amount an and any anything
    approximately are around as at be been being between both but by can combined company
    companywide could current currently did do does doing done during each entire et etc ever every
    everything exactly far figure figures for from get gets getting give given go got had has have
    having he hello help her here hey hi his how i if in info information into is it its just
    kindly know let lets like list look looking many me mine more much my need needs now number
    numbers of on only or org our ours over overall overview per please pls plz portfolio quick
    quickly really right roughly see she show showing shows so some stats still sum summary tell
    than thank thanks that the their them then there these they this those thx to today total
    totals u up us via view want was we were what whats when where which while who whom whose why
    with within would ya yeah yes you your ai genai gen llm llms ml artificial intelligence machine
    learning initiative initiatives project projects program programs programme whole business
    organisation organization grand level levels resolve resolved resolving handle handled
    handling process processed processing closed completed delivered deliver generated produced
    did doing okay ok hmm um quarterly yearly annual annually annualized annualised average avg
    currently spending-wise wise status state our selves ourselves overall entire full last this
    driver drivers
    next same period so-far since spend-wise give me tell us such among amongst goes went gone
    use used using uses make makes made take takes took should must might shall percentage
    percent pct proportion may might data fraction rank ranked ranking sort sorted order ordered leaderboard
    """
    )
)
LEAD_WORDS = frozenset({"the", "a", "an", "our", "my", "their", "its", "your", "this", "that"})
# "support bot" names the Customer Support Assistant even though "support" is a department.
GENERIC = frozenset(
    word_list(
        "assistant bot chatbot tool agent copilot helper app application system service solution"
    )
)
# "invoice project" names Invoice Extraction, but "marketing initiatives" is the department.
WEAK_GENERIC = frozenset(word_list("initiative project program programme ai genai llm"))

# Grammar words a typo may be corrected to (same first letter, 1 edit; 2 from 8 letters).
# Words of period phrases the typo corrector must leave alone ("till" is not "tell").
NEVER_CORRECTED = frozenset({"till", "til", "date", "dates", "present", "thru", "upto"})

CORRECTABLE = word_list(
    """
    this last next year quarter month since spend spent spending cost costs budget budgets forecast projected projection savings saved value
    outcomes outcome volume return investment ownership department departments provider providers
    model models initiative initiatives category categories inference oversight maintenance
    infrastructure production pilots pilot paused retired reported report submitted compare
    compared comparison versus expensive cheapest highest lowest biggest largest smallest quarter
    month monthly year broken breakdown dollar between since which what much many does show
    list january february march april june july august september october november december
    projects vendor vendors across each every total overall against paying running track
    trend previous current fiscal missing outstanding exceeded over under within remaining
    """
)
