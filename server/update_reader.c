/* The bounded Yjs v1 update reader of yupdate.py, in C.
 *
 * Every update a client sends is walked before pycrdt sees it (see yupdate.py for why and for
 * the format). The walk was the largest single check on an update's path: 44 us of the 400 us
 * a server spends on an edit (tests/benchmarks/update_path.py). This is the same walk, rule for
 * rule and in the same order, so the same bytes are refused with the same message; the Python
 * walk it replaced is kept in tests/reference_reader.py and both are run on the same inputs.
 *
 * Every read is bounds-checked against the end of the buffer, numbers over 64 bits are
 * refused, nesting is bounded by MAX_DEPTH (so the recursion of read_any is too), and the
 * result is built only from Python objects this module creates.
 *
 * read(data, max_string) returns the fields of yupdate.UpdateSummary in their order:
 * (writes, gaps, refs, deletes, root_keys, roots, items, types, parents, inside_pairs, splits,
 * dead, may_wait, keyed, placed, rights, strings); configure(rejected, too_big,
 * json_depth_exceeds, max_depth) is called once by yupdate.py before any read.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_CLOCK ((uint64_t)0x7FFFFFFF)
#define MAX_CLIENT (((uint64_t)1 << 53) - 1)

static PyObject *Rejected, *TooBig, *json_depth_exceeds;
static long max_depth = 64;

typedef struct {
    const unsigned char *data;
    Py_ssize_t pos, end;
    uint64_t max_string;
} Reader;

/* Raise ``kind`` with a formatted message; always returns -1. */
static int fail(PyObject *kind, const char *format, ...) {
    va_list args;
    va_start(args, format);
    PyObject *message = PyUnicode_FromFormatV(format, args);
    va_end(args);
    if (message != NULL) {
        PyErr_SetObject(kind, message);
        Py_DECREF(message);
    }
    return -1;
}

/* A lib0 varUint: at most ten bytes, the tenth neither continuing nor carrying bits past 64. */
static int read_uint(Reader *r, uint64_t *out) {
    uint64_t value = 0;
    int shift = 0, overflow = 0;
    for (;;) {
        if (r->pos >= r->end)
            return fail(Rejected, "update truncated inside a number");
        unsigned char byte = r->data[r->pos++];
        uint64_t bits = byte & 0x7F;
        if (shift > 57 && (bits >> (64 - shift)) != 0)
            overflow = 1;  /* only the tenth byte (shift 63) can carry bits past 64 */
        value |= bits << shift;
        if (byte < 0x80)
            break;
        shift += 7;
        if (shift > 63)
            return fail(Rejected, "number longer than 64 bits");
    }
    if (overflow)
        return fail(Rejected, "number longer than 64 bits");
    *out = value;
    return 0;
}

/* A count of things that take at least ``each`` bytes: more than fit is malformed. */
static int read_count(Reader *r, uint64_t each, uint64_t *out) {
    if (read_uint(r, out) < 0)
        return -1;
    uint64_t rest = (uint64_t)(r->end - r->pos);
    if (*out > rest / each)
        return fail(Rejected, "count %llu larger than the rest of the update",
                    (unsigned long long)*out);
    return 0;
}

static int read_clock(Reader *r, uint64_t *out) {
    if (read_uint(r, out) < 0)
        return -1;
    if (*out > MAX_CLOCK)
        return fail(Rejected, "clock or length %llu out of range", (unsigned long long)*out);
    return 0;
}

static int read_client(Reader *r, uint64_t *out) {
    if (read_uint(r, out) < 0)
        return -1;
    if (*out > MAX_CLIENT)
        return fail(Rejected, "client id %llu out of range", (unsigned long long)*out);
    return 0;
}

/* A lib0 varInt, skipped. */
static int skip_int(Reader *r) {
    for (int i = 0; i < 10; i++) {
        if (r->pos >= r->end)
            return fail(Rejected, "update truncated inside a number");
        if (r->data[r->pos++] < 0x80)
            return 0;
    }
    return fail(Rejected, "integer longer than 64 bits");
}

static int skip(Reader *r, Py_ssize_t size) {
    if (size > r->end - r->pos)
        return fail(Rejected, "update truncated");
    r->pos += size;
    return 0;
}

/* A length-prefixed byte string: its start and size. */
static int read_raw(Reader *r, const unsigned char **start, Py_ssize_t *size) {
    uint64_t length;
    if (read_uint(r, &length) < 0)
        return -1;
    if (length > r->max_string)
        return fail(TooBig, "a value of %llu bytes is over the limit of %llu",
                    (unsigned long long)length, (unsigned long long)r->max_string);
    if (length > (uint64_t)(r->end - r->pos))
        return fail(Rejected, "a length runs past the end of the update");
    *start = r->data + r->pos;
    *size = (Py_ssize_t)length;
    r->pos += (Py_ssize_t)length;
    return 0;
}

/* A UTF-8 string as a new str (Python's strict decoder, so the same bytes are refused). */
static PyObject *read_string(Reader *r) {
    const unsigned char *start;
    Py_ssize_t size;
    if (read_raw(r, &start, &size) < 0)
        return NULL;
    PyObject *text = PyUnicode_DecodeUTF8((const char *)start, size, "strict");
    if (text == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        PyErr_Clear();
        fail(Rejected, "a string is not valid UTF-8");
    }
    return text;
}

static int skip_string(Reader *r) {
    PyObject *text = read_string(r);
    if (text == NULL)
        return -1;
    Py_DECREF(text);
    return 0;
}

static int skip_json(Reader *r) {
    PyObject *text = read_string(r);
    if (text == NULL)
        return -1;
    PyObject *deep = PyObject_CallOneArg(json_depth_exceeds, text);
    Py_DECREF(text);
    if (deep == NULL)
        return -1;
    int exceeds = PyObject_IsTrue(deep);
    Py_DECREF(deep);
    if (exceeds < 0)
        return -1;
    if (exceeds)
        return fail(Rejected, "JSON content nested deeper than %ld levels", max_depth);
    return 0;
}

/* lib0 "any" tags (readAnyLookupTable, counted down from 127). */
enum { UNDEFINED = 127, NUL = 126, INT = 125, F32 = 124, F64 = 123, BIGINT = 122,
       FALSE_ = 121, TRUE_ = 120, STRING = 119, OBJECT = 118, ARRAY = 117, BYTES = 116 };

/* One "any" value, skipped; containers nest at most max_depth deep (so this recursion too). */
static int skip_any(Reader *r, long depth) {
    if (r->pos >= r->end)
        return fail(Rejected, "update truncated inside a value");
    unsigned char tag = r->data[r->pos++];
    switch (tag) {
    case UNDEFINED: case NUL: case FALSE_: case TRUE_:
        return 0;
    case F32:
        return skip(r, 4);
    case F64: case BIGINT:
        return skip(r, 8);
    case STRING:
        return skip_string(r);
    case INT:
        return skip_int(r);
    case OBJECT: case ARRAY: {
        if (depth >= max_depth)
            return fail(Rejected, "content nested deeper than %ld levels", max_depth);
        uint64_t count;
        if (read_count(r, 1, &count) < 0)
            return -1;
        for (uint64_t i = 0; i < count; i++) {
            if (tag == OBJECT && skip_string(r) < 0)
                return -1;
            if (skip_any(r, depth + 1) < 0)
                return -1;
        }
        return 0;
    }
    case BYTES: {
        const unsigned char *start;
        Py_ssize_t size;
        return read_raw(r, &start, &size);
    }
    default:
        return fail(Rejected, "unknown value tag %d", (int)tag);
    }
}

/* The fields of UpdateSummary, as they are filled. */
typedef struct {
    PyObject *writes, *gaps, *refs, *deletes, *root_keys, *roots, *types, *parents;
    PyObject *inside_pairs, *splits, *dead;
    /* Where each item is placed (for the room's map-entry rules: see doc_index.py). */
    PyObject *keyed, *placed, *rights, *strings;
    /* Types created here -> how deep they sit below the outermost one created here. */
    PyObject *type_depth;
    long items;
    int may_wait;
    /* Clients the items refer to other than their own (see UpdateSummary.may_wait). */
    uint64_t *others;
    size_t others_len, others_cap;
} Summary;

static PyObject *pair(uint64_t a, uint64_t b) {
    return Py_BuildValue("(KK)", (unsigned long long)a, (unsigned long long)b);
}

/* Append a new (a, b) to ``list``. */
static int append_pair(PyObject *list, uint64_t a, uint64_t b) {
    PyObject *item = pair(a, b);
    if (item == NULL)
        return -1;
    int status = PyList_Append(list, item);
    Py_DECREF(item);
    return status;
}

static int add_other(Summary *s, uint64_t client) {
    if (s->others_len == s->others_cap) {
        size_t cap = s->others_cap ? 2 * s->others_cap : 16;
        uint64_t *grown = PyMem_Realloc(s->others, cap * sizeof(uint64_t));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        s->others = grown;
        s->others_cap = cap;
    }
    s->others[s->others_len++] = client;
    return 0;
}

static int set_add_int(PyObject *set, uint64_t value) {
    PyObject *number = PyLong_FromUnsignedLongLong(value);
    if (number == NULL)
        return -1;
    int status = PySet_Add(set, number);
    Py_DECREF(number);
    return status;
}

/* An ID an item names (an origin, a right origin or a parent): noted in refs, and whether it
 * may make the update wait. */
static int note_reference(Summary *s, uint64_t client, uint64_t ref_client, uint64_t ref_clock,
                          uint64_t clock) {
    if (ref_client != client)
        return add_other(s, ref_client);
    if (ref_clock >= clock)
        s->may_wait = 1;
    return 0;
}

/* Characters of ``text`` that take two UTF-16 code units: the code units it takes, and the
 * position between the halves of each (Yjs counts strings in UTF-16 code units). */
static int string_length(Summary *s, PyObject *text, uint64_t client, uint64_t clock,
                         uint64_t *length) {
    Py_ssize_t chars = PyUnicode_GET_LENGTH(text);
    *length = (uint64_t)chars;
    if (PyUnicode_KIND(text) != PyUnicode_4BYTE_KIND)
        return 0;
    const Py_UCS4 *units = PyUnicode_4BYTE_DATA(text);
    uint64_t at = clock;
    for (Py_ssize_t i = 0; i < chars; i++) {
        if (units[i] > 0xFFFF) {
            if (append_pair(s->inside_pairs, client, at + 1) < 0)
                return -1;
            at += 2;
            *length += 1;
        } else {
            at += 1;
        }
    }
    return 0;
}

static int append_tuple(PyObject *list, PyObject *item) {
    if (item == NULL)
        return -1;
    int status = PyList_Append(list, item);
    Py_DECREF(item);
    return status;
}

/* Where an item went: a written key, an origin, a right origin, String content. */
static int note_placement(Summary *s, unsigned char info, int keyed, uint64_t client,
                          uint64_t clock, uint64_t end, uint64_t origin_client,
                          uint64_t origin_clock, uint64_t right_client, uint64_t right_clock) {
    typedef unsigned long long ull;
    if (keyed && append_tuple(s->keyed, Py_BuildValue("(KKK)", (ull)client, (ull)clock,
                                                      (ull)end)) < 0)
        return -1;
    if ((info & 0x80) && append_tuple(s->placed, Py_BuildValue(
            "(KKKKK)", (ull)client, (ull)clock, (ull)end, (ull)origin_client,
            (ull)origin_clock)) < 0)
        return -1;
    if ((info & 0x40) && append_tuple(s->rights, Py_BuildValue(
            "(KKKK)", (ull)client, (ull)clock, (ull)right_client, (ull)right_clock)) < 0)
        return -1;
    if ((info & 0x1F) == 4 && append_pair(s->strings, client, clock) < 0)
        return -1;
    return 0;
}

/* One item's parent and content; ``clock`` is where it starts. Returns its length in *length. */
static int read_item(Reader *r, Summary *s, unsigned char info, uint64_t client,
                     uint64_t clock, uint64_t *length) {
    unsigned kind = info & 0x1F;
    uint64_t a, b;
    int has_parent = 0, keyed = 0;
    uint64_t parent_client = 0, parent_clock = 0;
    uint64_t origin_client = 0, origin_clock = 0, right_client = 0, right_clock = 0;
    if (info & 0x80) {
        if (read_client(r, &a) < 0 || read_clock(r, &b) < 0)
            return -1;
        if (append_pair(s->refs, a, b) < 0 || append_pair(s->splits, a, b + 1) < 0)
            return -1;
        if (note_reference(s, client, a, b, clock) < 0)
            return -1;
        origin_client = a;
        origin_clock = b;
    }
    if (info & 0x40) {
        if (read_client(r, &a) < 0 || read_clock(r, &b) < 0)
            return -1;
        if (append_pair(s->refs, a, b) < 0 || append_pair(s->splits, a, b) < 0)
            return -1;
        if (note_reference(s, client, a, b, clock) < 0)
            return -1;
        right_client = a;
        right_clock = b;
    }
    keyed = !(info & 0xC0) && (info & 0x20);
    if (!(info & 0xC0)) {
        uint64_t parent_kind;
        if (read_uint(r, &parent_kind) < 0)
            return -1;
        if (parent_kind == 1) {
            PyObject *root = read_string(r);
            if (root == NULL)
                return -1;
            int status = PySet_Add(s->roots, root);
            if (status == 0 && (info & 0x20)) {
                status = skip_string(r);
                if (status == 0) {
                    PyObject *seen = PyDict_GetItemWithError(s->root_keys, root);
                    long count = seen ? PyLong_AsLong(seen) + 1 : 1;
                    PyObject *counted = PyErr_Occurred() ? NULL : PyLong_FromLong(count);
                    status = counted ? PyDict_SetItem(s->root_keys, root, counted) : -1;
                    Py_XDECREF(counted);
                }
            }
            Py_DECREF(root);
            if (status < 0)
                return -1;
        } else {
            if (read_client(r, &parent_client) < 0 || read_clock(r, &parent_clock) < 0)
                return -1;
            has_parent = 1;
            if (append_pair(s->refs, parent_client, parent_clock) < 0
                || append_pair(s->parents, parent_client, parent_clock) < 0)
                return -1;
            if (note_reference(s, client, parent_client, parent_clock, clock) < 0)
                return -1;
            if ((info & 0x20) && skip_string(r) < 0)
                return -1;
        }
    }
    *length = 1;
    switch (kind) {
    case 1: {  /* Deleted */
        if (read_clock(r, length) < 0)
            return -1;
        PyObject *dead = Py_BuildValue("(KKK)", (unsigned long long)client,
                                       (unsigned long long)clock,
                                       (unsigned long long)(clock + *length));
        if (dead == NULL)
            return -1;
        int status = PyList_Append(s->dead, dead);
        Py_DECREF(dead);
        if (status < 0)
            return -1;
        break;
    }
    case 2:  /* JSON */
        if (read_count(r, 1, length) < 0)
            return -1;
        for (uint64_t i = 0; i < *length; i++)
            if (skip_json(r) < 0)
                return -1;
        break;
    case 3: {  /* Binary */
        const unsigned char *start;
        Py_ssize_t size;
        if (read_raw(r, &start, &size) < 0)
            return -1;
        break;
    }
    case 4: {  /* String */
        PyObject *text = read_string(r);
        if (text == NULL)
            return -1;
        int status = string_length(s, text, client, clock, length);
        Py_DECREF(text);
        if (status < 0)
            return -1;
        break;
    }
    case 5:
        return fail(Rejected, "embed content has no place on a board");
    case 6:
        return fail(Rejected, "format content has no place on a board");
    case 9:
        return fail(Rejected, "sub-document content has no place on a board");
    case 7: {  /* Type */
        uint64_t type_ref;
        if (read_uint(r, &type_ref) < 0)
            return -1;
        if (type_ref > 6)
            return fail(Rejected, "unknown type ref %llu", (unsigned long long)type_ref);
        if (type_ref > 2)  /* 0-2 are Y.Array, Y.Map and Y.Text; 3-6 the XML types */
            return fail(Rejected, "XML types have no place on a board");
        long depth = 1;
        if (has_parent) {
            PyObject *key = pair(parent_client, parent_clock);
            if (key == NULL)
                return -1;
            PyObject *outer = PyDict_GetItemWithError(s->type_depth, key);
            Py_DECREF(key);
            if (outer == NULL && PyErr_Occurred())
                return -1;
            depth = (outer ? PyLong_AsLong(outer) : 0) + 1;
        }
        if (depth > max_depth)
            return fail(Rejected, "types nested deeper than %ld levels", max_depth);
        PyObject *id = pair(client, clock);
        PyObject *level = PyLong_FromLong(depth);
        int status = (id && level) ? PyDict_SetItem(s->type_depth, id, level) : -1;
        if (status == 0)
            status = PyList_Append(s->types, id);
        Py_XDECREF(id);
        Py_XDECREF(level);
        if (status < 0)
            return -1;
        break;
    }
    case 8:  /* Any */
        if (read_count(r, 1, length) < 0)
            return -1;
        for (uint64_t i = 0; i < *length; i++)
            if (skip_any(r, 0) < 0)
                return -1;
        break;
    default:
        return fail(Rejected, "unknown content kind %u", kind);
    }
    if (*length == 0)
        return fail(Rejected, "an item of length 0");
    return note_placement(s, info, keyed, client, clock, clock + *length, origin_client,
                          origin_clock, right_client, right_clock);
}

/* One client's structs. */
static int read_client_structs(Reader *r, Summary *s) {
    uint64_t structs, client, start, clock, end;
    if (read_count(r, 1, &structs) < 0 || read_client(r, &client) < 0
        || read_clock(r, &start) < 0)
        return -1;
    clock = end = start;
    for (uint64_t i = 0; i < structs; i++) {
        if (r->pos >= r->end)
            return fail(Rejected, "update truncated inside a struct");
        unsigned char info = r->data[r->pos++];
        unsigned kind = info & 0x1F;
        if (kind == 0 || kind == 10) {  /* GC, Skip */
            uint64_t length;
            if (read_clock(r, &length) < 0)
                return -1;
            /* Never written by Yjs or yrs; pycrdt turned the item at that clock of another
             * client into garbage (an attack review: a participant erased the facilitator's
             * note with 14 bytes, and no client id was checked, as the struct writes nothing). */
            if (length == 0)
                return fail(Rejected, "a struct of length 0");
            if (kind == 10) {
                if (set_add_int(s->gaps, client) < 0)
                    return -1;
                if (clock == start)
                    start = end = clock + length;
            } else {
                end = clock + length;
            }
            clock += length;
            if (clock > MAX_CLOCK)
                return fail(Rejected, "clock out of range");
            continue;
        }
        uint64_t length;
        if (read_item(r, s, info, client, clock, &length) < 0)
            return -1;
        clock += length;
        if (clock > MAX_CLOCK)
            return fail(Rejected, "clock out of range");
        end = clock;
        s->items++;
    }
    if (end > start) {
        PyObject *key = PyLong_FromUnsignedLongLong(client);
        if (key == NULL)
            return -1;
        int listed = PyDict_Contains(s->writes, key);
        if (listed == 1) {
            Py_DECREF(key);
            return fail(Rejected, "client %llu is listed twice", (unsigned long long)client);
        }
        PyObject *range = listed == 0 ? pair(start, end) : NULL;
        int status = range ? PyDict_SetItem(s->writes, key, range) : -1;
        Py_DECREF(key);
        Py_XDECREF(range);
        if (status < 0)
            return -1;
    }
    return 0;
}

static int read_delete_set(Reader *r, Summary *s) {
    uint64_t clients;
    if (read_count(r, 2, &clients) < 0)
        return -1;
    for (uint64_t c = 0; c < clients; c++) {
        uint64_t client, ranges;
        if (read_client(r, &client) < 0 || read_count(r, 2, &ranges) < 0)
            return -1;
        for (uint64_t i = 0; i < ranges; i++) {
            uint64_t first, length;
            if (read_clock(r, &first) < 0 || read_clock(r, &length) < 0)
                return -1;
            uint64_t clock = first + length;
            if (clock > MAX_CLOCK)
                return fail(Rejected, "deleted range out of range");
            if (append_pair(s->splits, client, first) < 0
                || append_pair(s->splits, client, clock) < 0)
                return -1;
            PyObject *key = PyLong_FromUnsignedLongLong(client);
            if (key == NULL)
                return -1;
            PyObject *seen = PyDict_GetItemWithError(s->deletes, key);
            int status = 0;
            if (seen == NULL && PyErr_Occurred())
                status = -1;
            else if (clock > (seen == NULL ? 0 : PyLong_AsUnsignedLongLong(seen))) {
                PyObject *value = PyLong_FromUnsignedLongLong(clock);
                status = value ? PyDict_SetItem(s->deletes, key, value) : -1;
                Py_XDECREF(value);
            }
            Py_DECREF(key);
            if (status < 0)
                return -1;
        }
    }
    return 0;
}

/* After the structs: an update with several writers may wait when one refers to another. */
static int settle_may_wait(Summary *s) {
    if (s->may_wait || PyDict_GET_SIZE(s->writes) <= 1)
        return 0;
    for (size_t i = 0; i < s->others_len; i++) {
        PyObject *key = PyLong_FromUnsignedLongLong(s->others[i]);
        if (key == NULL)
            return -1;
        int listed = PyDict_Contains(s->writes, key);
        Py_DECREF(key);
        if (listed < 0)
            return -1;
        if (listed) {
            s->may_wait = 1;
            return 0;
        }
    }
    return 0;
}

static void summary_clear(Summary *s) {
    Py_CLEAR(s->writes); Py_CLEAR(s->gaps); Py_CLEAR(s->refs); Py_CLEAR(s->deletes);
    Py_CLEAR(s->root_keys); Py_CLEAR(s->roots); Py_CLEAR(s->types); Py_CLEAR(s->parents);
    Py_CLEAR(s->inside_pairs); Py_CLEAR(s->splits); Py_CLEAR(s->dead); Py_CLEAR(s->type_depth);
    Py_CLEAR(s->keyed); Py_CLEAR(s->placed); Py_CLEAR(s->rights); Py_CLEAR(s->strings);
    PyMem_Free(s->others);
    s->others = NULL;
}

static PyObject *read_fields(PyObject *module, PyObject *args) {
    Py_buffer view;
    unsigned long long max_string;
    if (Rejected == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "update_reader.configure was not called");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "y*K", &view, &max_string))
        return NULL;
    Reader r = {view.buf, 0, view.len, max_string};
    Summary s = {0};
    s.writes = PyDict_New(); s.gaps = PySet_New(NULL); s.refs = PyList_New(0);
    s.deletes = PyDict_New(); s.root_keys = PyDict_New(); s.roots = PySet_New(NULL);
    s.types = PyList_New(0); s.parents = PyList_New(0); s.inside_pairs = PyList_New(0);
    s.splits = PyList_New(0); s.dead = PyList_New(0); s.type_depth = PyDict_New();
    s.keyed = PyList_New(0); s.placed = PyList_New(0); s.rights = PyList_New(0);
    s.strings = PyList_New(0);
    PyObject *result = NULL;
    if (!s.writes || !s.gaps || !s.refs || !s.deletes || !s.root_keys || !s.roots || !s.types
        || !s.parents || !s.inside_pairs || !s.splits || !s.dead || !s.type_depth
        || !s.keyed || !s.placed || !s.rights || !s.strings)
        goto done;
    uint64_t clients;
    if (read_count(&r, 3, &clients) < 0)
        goto done;
    for (uint64_t i = 0; i < clients; i++)
        if (read_client_structs(&r, &s) < 0)
            goto done;
    if (settle_may_wait(&s) < 0 || read_delete_set(&r, &s) < 0)
        goto done;
    if (r.pos != r.end) {
        fail(Rejected, "%zd unexpected bytes after the update", r.end - r.pos);
        goto done;
    }
    result = Py_BuildValue("(OOOOOOlOOOOOOOOOO)", s.writes, s.gaps, s.refs, s.deletes,
                           s.root_keys, s.roots, s.items, s.types, s.parents,
                           s.inside_pairs, s.splits, s.dead,
                           s.may_wait ? Py_True : Py_False,
                           s.keyed, s.placed, s.rights, s.strings);
done:
    summary_clear(&s);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *rejected, *too_big, *depth_check;
    long depth;
    if (!PyArg_ParseTuple(args, "OOOl", &rejected, &too_big, &depth_check, &depth))
        return NULL;
    Py_XSETREF(Rejected, Py_NewRef(rejected));
    Py_XSETREF(TooBig, Py_NewRef(too_big));
    Py_XSETREF(json_depth_exceeds, Py_NewRef(depth_check));
    max_depth = depth;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"read", read_fields, METH_VARARGS,
     "read(data, max_string) -> the fields of UpdateSummary; raises the configured errors."},
    {"configure", configure, METH_VARARGS,
     "configure(rejected, too_big, json_depth_exceeds, max_depth): set once before reading."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "update_reader",
    "The bounded Yjs v1 update reader (see yupdate.py).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_update_reader(void) {
    return PyModule_Create(&module_def);
}
