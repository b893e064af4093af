// tests/unit/jinja_semantics.cpp: one behaviour of Python's jinja2 (as transformers configures it) per test, each
// expectation being what jinja2 3.1.6 prints for the same template and context.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "jinja/template.h"

namespace snug::jinja {
namespace {

const char* const CONTEXT = R"json({
  "l": [3, 1, 2], "d": {"b": 1, "a": 2, "values": 3}, "s": "Hello World-foo bar", "n": null, "t": true,
  "f": 1.5, "e": [], "u": "héllo wörld",
  "people": [{"name": "Bob", "age": 30}, {"name": "alice", "age": 25}, {"name": "Carl"}],
  "messages": [{"role": "system", "content": " hi "}, {"role": "user", "content": "x"}]
})json";

std::string render(const std::string& source, const char* context = CONTEXT) {
    return Template::parse(source).render(nlohmann::ordered_json::parse(context));
}

std::string error_of(const std::string& source) {
    try {
        render(source);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(JinjaSemantics, TrimAndLstripBlocks) {
    EXPECT_EQ(render("  {% if t %}\n  x\n  {% endif %}\n"), "  x\n");
    EXPECT_EQ(render("a\n   {{ 1 }}"), "a\n   1");  // lstrip_blocks leaves {{ }} alone
    EXPECT_EQ(render("x {%+ if t %}y{% endif %}"), "x y");
    EXPECT_EQ(render("a\n{%+ if t %}x{% endif +%}\nb"), "a\nx\nb");
    EXPECT_EQ(render("x{# a #}\ny"), "xy");  // trim_blocks applies after comments too
    EXPECT_EQ(render("a  {#- c -#}  b"), "ab");
    EXPECT_EQ(render("{{ 'a' -}}\n  b"), "ab");
    EXPECT_EQ(render("{% if t %}  {% if t %}x{% endif %}{% endif %}"), "  x");  // not at a line start
    EXPECT_EQ(render("{{ 'a' }}\n"), "a");                                       // one trailing newline dropped
    EXPECT_EQ(render("a\r\nb"), "a\nb");
}

TEST(JinjaSemantics, Raw) {
    EXPECT_EQ(render("{% raw %}\nx\n  {% endraw %}\ny"), "\nx\ny");
    EXPECT_EQ(render("{% raw -%}  {{x}}  {%- endraw %}"), "{{x}}");
}

TEST(JinjaSemantics, PrintsLikePythonStr) {
    EXPECT_EQ(render("{{ 1/2 }} {{ 4/2 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }} {{ 2**10 }} {{ 2**-1 }}"),
              "0.5 2.0 3 -4 2 1024 0.5");
    EXPECT_EQ(render("{{ 1e-5 }} {{ 1.5e20 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1+0.2 }} {{ -0.0 }}"),
              "1e-05 1.5e+20 1e+16 1000000000000000.0 0.30000000000000004 -0.0");
    EXPECT_EQ(render("{{ [1,'a',none,true,{'k':\"it's\"}] }}"), "[1, 'a', None, True, {'k': \"it's\"}]");
    EXPECT_EQ(render("{{ (1,2) }} {{ (1,) }} {{ 'x' * 3 }} {{ [1]*2 }}"), "(1, 2) (1,) xxx [1, 1]");
    EXPECT_EQ(render("{{ ['tab\\t', 'é', 'a\\nb'] }}"), "['tab\\t', 'é', 'a\\nb']");
    EXPECT_EQ(render("{{ n }} {{ t }} {{ missing }}|"), "None True |");
}

TEST(JinjaSemantics, ForLoops) {
    EXPECT_EQ(render("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
                     "{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.previtem }}{{ loop.nextitem }}"
                     "{{ loop.cycle('a','b') }}|{% endfor %}"),
              "10TrueFalse3321a|21FalseFalse32132b|32FalseTrue3101a|");
    EXPECT_EQ(render("{% for x in l if x > 1 %}{{ x }}{{ loop.index }}/{{ loop.length }} {% else %}none{% endfor %}"),
              "31/2 22/2 ");
    EXPECT_EQ(render("{% for x in e %}a{% else %}empty{% endfor %}"), "empty");
    EXPECT_EQ(render("{% for x in l %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% if x == 3 %}{% break %}"
                     "{% endif %}{% endfor %}"),
              "3");
    EXPECT_EQ(render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}"), "b=1;a=2;values=3;");
    EXPECT_EQ(render("{% for k in d %}{{ k }}{% endfor %}{% for c in 'hé' %}[{{ c }}]{% endfor %}"), "bavalues[h][é]");
    EXPECT_EQ(render("{% for x in missing %}a{% endfor %}"), "");
}

TEST(JinjaSemantics, ScopesAndNamespaces) {
    // A set inside a loop lives for one iteration; only a namespace carries state out.
    EXPECT_EQ(render("{% for i in range(3) %}{% if i==0 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}{{x}}"),
              "[a][][]");
    EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for x in l %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}"),
              "6");
    EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}"), "12(1, 2)");
    EXPECT_EQ(render("{% set x %}  block {{ 1 }} {% endset %}[{{ x }}]{% set y | upper %}abc{% endset %}{{ y }}"),
              "[  block 1 ]ABC");
    EXPECT_EQ(render("{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}"), "2");
}

TEST(JinjaSemantics, Macros) {
    const std::string m = "{% macro m(a, b=2, c='x') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}";
    EXPECT_EQ(render(m + "{{ m(1) }}|{{ m(1, 3) }}|{{ m(1, c='z') }}"), "1-2-x|1-3-x|1-2-z");
    EXPECT_EQ(render("{% macro m(a) %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}"), "(2,){'k': 3}");
    EXPECT_EQ(render("{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}"), "[]");
    EXPECT_EQ(render("{% macro w() %}<{{ caller(5) }}>{% endmacro %}{% call(x) w() %}in{{ x }}{% endcall %}"), "<in5>");
    EXPECT_NE(error_of(m + "{{ m(1, d=5) }}").find("takes no keyword argument 'd'"), std::string::npos);
}

TEST(JinjaSemantics, OperatorsAndTests) {
    EXPECT_EQ(render("{{ 'a' ~ 1 ~ none }} {{ 'ab' in 'cabd' }} {{ 1 in l }} {{ 'q' not in d }} {{ 1 < 2 < 3 }}"),
              "a1None True True True True");
    EXPECT_EQ(render("{{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 'a' ~ 'b'|upper }} {{ -3|abs }}"), "64 4 aB 3");
    EXPECT_NE(error_of("{{ 1 ~ 2 + 3 }}").find("can only concatenate str"), std::string::npos);  // (1 ~ 2) + 3
    EXPECT_EQ(render("{{ t is number }} {{ t is integer }} {{ d is sequence }} {{ missing is iterable }} "
                     "{{ 9 is divisibleby 3 }} {{ 'a' is in 'abc' }} {{ 1 is eq 1 }} {{ n is not none }}"),
              "True False True True True True True False");
    EXPECT_EQ(render("{{ (1,2) == [1,2] }} {{ 1 == 1.0 }} {{ true == 1 }} {{ n or 'y' }} {{ t and 'x' }}"),
              "False True True y x");
    EXPECT_EQ(render("[{{ 'x' if n }}] {{ 'yes' if t else 'no' }}"), "[] yes");
}

TEST(JinjaSemantics, SubscriptsAndAttributes) {
    EXPECT_EQ(render("{{ 'abc'[1:] }} {{ 'abc'[::-1] }} {{ l[-1] }} [{{ l[5] }}] {{ l[1:5:2] }} {{ 'héllo'[1:3] }}"),
              "bc cba 2 [] [1] él");
    EXPECT_EQ(render("{{ messages[0].content }}{{ messages.1.role }}{{ d['values'] }}"), " hi user3");
    EXPECT_EQ(render("{{ d.values()|list }} {{ d.get('z', 5) }} {{ d.get('a') }}"), "[1, 2, 3] 5 2");
}

TEST(JinjaSemantics, StringMethods) {
    EXPECT_EQ(render("{{ 'xxaxx'.strip('x') }}|{{ 'a,b,c'.split(',', 1) }}|{{ ' a  b '.split() }}|"
                     "{{ 'a b c'.rsplit(' ', 1) }}|{{ 'abc'.endswith(('x','c')) }}"),
              "a|['a', 'b,c']|['a', 'b']|['a b', 'c']|True");
    EXPECT_EQ(render("{{ s.title() }}|{{ s.replace('o', '0', 1) }}|{{ s.find('World') }}|{{ s.count('o') }}|"
                     "{{ '{} and {}'.format(1, 'x') }}|{{ u.upper() }}"),
              "Hello World-Foo Bar|Hell0 World-foo bar|6|4|1 and x|HÉLLO WÖRLD");
}

TEST(JinjaSemantics, Filters) {
    EXPECT_EQ(render("{{ s|title }}|{{ \"it's (a) x\"|title }}|{{ '  x  '|trim }}|{{ s|wordcount }}"),
              "Hello World-Foo Bar|It's (A) X|x|4");
    EXPECT_EQ(render("{{ l|join(',') }}|{{ l|sum }}|{{ l|first }}|{{ l|last }}|{{ l|min }}|{{ l|max }}|{{ l|sort }}|"
                     "{{ l|sort(reverse=true) }}|{{ l|length }}|{{ l|reverse|list }}"),
              "3,1,2|6|3|2|1|3|[1, 2, 3]|[3, 2, 1]|3|[2, 1, 3]");
    EXPECT_EQ(render("{{ people|map(attribute='name')|join(', ') }}|{{ people|selectattr('age')|map(attribute='name')|list }}|"
                     "{{ people|selectattr('age', 'defined')|selectattr('age', 'gt', 26)|map(attribute='name')|list }}|"
                     "{{ people|sort(attribute='name')|map(attribute='name')|list }}|"
                     "{{ people|map(attribute='age', default=0)|list }}"),
              "Bob, alice, Carl|['Bob', 'alice']|['Bob']|['alice', 'Bob', 'Carl']|[30, 25, 0]");
    EXPECT_EQ(render("{{ ['a','B']|map('upper')|list }}|{{ l|select('odd')|list }}|{{ ['A','a','b']|unique|list }}|"
                     "{{ d|dictsort }}|{{ d|items|list }}"),
              "['A', 'B']|[3, 1]|['A', 'b']|[('a', 2), ('b', 1), ('values', 3)]|[('b', 1), ('a', 2), ('values', 3)]");
    EXPECT_EQ(render("{{ missing|default('x') }}|{{ n|default('x') }}|{{ ''|default('x', true) }}|{{ 0|d(5, true) }}"),
              "x|None|x|5");
    EXPECT_EQ(render("{{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int(7) }} {{ '3'|float }} {{ 2.5|round }} "
                     "{{ 2.675|round(2) }} {{ 2.1|round(0, 'ceil') }}"),
              "42 4 7 3.0 2.0 2.67 3.0");
    EXPECT_EQ(render("{{ \"a\\nb\\n\\nc\"|indent }}|{{ \"a\\nb\"|indent(2, true) }}|{{ '<b>'|e }}|{{ 'x'|safe + '<y>' }}"),
              "a\n    b\n\n    c|  a\n  b|&lt;b&gt;|x&lt;y&gt;");
    EXPECT_EQ(render("{{ '%s-%03d'|format('a', 5) }}|{{ '%.2f' % 3.14159 }}"), "a-005|3.14");
}

TEST(JinjaSemantics, ToJson) {
    EXPECT_EQ(render("{{ messages|tojson }}"), R"([{"role": "system", "content": " hi "}, {"role": "user", "content": "x"}])");
    EXPECT_EQ(render("{{ d|tojson(indent=2) }}"), "{\n  \"b\": 1,\n  \"a\": 2,\n  \"values\": 3\n}");
    EXPECT_EQ(render("{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }}"),
              R"({"a": 2, "b": 1, "values": 3}|{"b":1,"a":2,"values":3})");
    EXPECT_EQ(render("{{ 'é🚀\"\\n'|tojson }}|{{ 'é🚀'|tojson(ensure_ascii=true) }}|{{ [1.0, none, [], {}]|tojson }}"),
              R"("é🚀\"\n"|"\u00e9\ud83d\ude80"|[1.0, null, [], {}])");
    EXPECT_NE(error_of("{{ l|map('string')|tojson }}").find("not JSON serializable"), std::string::npos);
}

TEST(JinjaSemantics, UndefinedValues) {
    EXPECT_EQ(render("{{ 'a' in missing }}|{{ missing|length }}|{{ missing == missing }}|{{ missing|join }}|"
                     "{{ missing ~ 'a' }}|{{ missing is defined }}"),
              "False|0|True||a|False");
    EXPECT_NE(error_of("{{ missing.bar }}").find("'missing' is undefined"), std::string::npos);
    EXPECT_NE(error_of("{{ d.zz.bar }}").find("has no attribute 'zz'"), std::string::npos);
    EXPECT_NE(error_of("{{ missing + 1 }}").find("'missing' is undefined"), std::string::npos);
    EXPECT_NE(error_of("{{ 'a' + 1 }}").find("can only concatenate str"), std::string::npos);
}

TEST(JinjaSemantics, SandboxRefusesMutation) {
    EXPECT_EQ(render("[{{ l.append }}]"), "[]");
    EXPECT_NE(error_of("{{ l.append(1) }}").find("unsafe"), std::string::npos);
    EXPECT_NE(error_of("{{ d.update({}) }}").find("unsafe"), std::string::npos);
}

TEST(JinjaSemantics, GlobalsAndErrors) {
    EXPECT_EQ(render("{{ range(1, 10, 3)|list }} {{ dict(a=1) }} {{ namespace(a=1) }}"), "[1, 4, 7] {'a': 1} <Namespace {'a': 1}>");
    EXPECT_NE(error_of("\n{{ raise_exception('boom') }}").find("line 2: boom"), std::string::npos);
    EXPECT_NE(error_of("{% if t %}\n{{ 1 + }}\n{% endif %}").find("line 2"), std::string::npos);
    EXPECT_NE(error_of("{% if t %}").find("endif"), std::string::npos);
    EXPECT_NE(error_of("{% unknown %}").find("unknown"), std::string::npos);
    EXPECT_NE(error_of("{% break %}").find("outside a for loop"), std::string::npos);
    EXPECT_NE(error_of("{{ range(100001)|length }}").find("Range too big"), std::string::npos);
}

TEST(JinjaSemantics, StrftimeNowUsesTheClock) {
    Options options;
    options.now = [] {
        std::tm tm{};
        tm.tm_year = 2025 - 1900;
        tm.tm_mon = 0;
        tm.tm_mday = 15;
        tm.tm_hour = 10;
        tm.tm_min = 30;
        tm.tm_isdst = -1;
        return std::mktime(&tm);
    };
    const Template t = Template::parse("{{ strftime_now('%Y-%m-%d %H:%M:%S %B %b %A %a %j %p %I %y %e') }}");
    EXPECT_EQ(t.render(nlohmann::ordered_json::object(), options), "2025-01-15 10:30:00 January Jan Wednesday Wed 015 AM 10 25 15");
}

}  // namespace
}  // namespace snug::jinja
