/* intake.c — keur registry add: a lab's signed report in, verified, stored whole and indexed.
 *
 * The registry verifies the bytes it keeps, not the ones it was pointed at: a run directory's
 * report.xml and the files it names are first copied (a bundle unpacked) into a staging folder
 * under DB.files/tmp/, and that copy is what sign_check verifies and what goes into the store.
 * Each file then moves to its content address (sha256/AB/HEX) and the index goes into the
 * database in one transaction: until the commit nothing refers to the new files, so a process
 * killed on the way leaves at most files no row names (used again when the report comes back)
 * and a staging folder, which the next intake removes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "bundle.h"
#include "registry.h"
#include "reports.h"
#include "sha256.h"
#include "util.h"
#include "xmlin.h"

#define NS_REPORT "urn:keur:report:1"

/* ---- opening ---- */

int registry_open(const char *db, struct registry *r, char *why, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->db = xstrdup(db);
	r->files = xasprintf("%s.files", db);
	char *tmp = path_join(r->files, "tmp");
	/* Beside the database, whose folder must be there: a mistyped --db makes no folders. */
	int e = (mkdir(r->files, 0755) < 0 && errno != EEXIST) || (mkdir(tmp, 0755) < 0 && errno != EEXIST) ? -errno : 0;
	free(tmp);
	if (e < 0) {
		snprintf(why, len, "cannot make %s/tmp: %s", r->files, strerror(-e));
		registry_close(r);
		return -1;
	}
	if (store_sqlite.open(db, &r->st, why, len) < 0) {
		registry_close(r);
		return -1;
	}
	return 0;
}

void registry_close(struct registry *r)
{
	if (r->st)
		r->st->ops->close(r->st);
	free(r->db);
	free(r->files);
	memset(r, 0, sizeof(*r));
}

char *registry_blob_path(const struct registry *r, const char *sha256)
{
	return xasprintf("%s/sha256/%.2s/%s", r->files, sha256, sha256);
}

/* ---- the index, read from report.xml ---- */

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (xml_is_el(c, name) && c->ns && !strcmp((const char *)c->ns->href, NS_REPORT))
			return c;
	return NULL;
}

int support_last_day(const char *d, char out[11])
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, day, n = 0;

	if (!d)
		return -1;
	if (sscanf(d, "%4d-%2d-%2d%n", &y, &m, &day, &n) == 3 && (size_t)n == strlen(d) && m >= 1 && m <= 12) {
		snprintf(out, 11, "%04d-%02d-%02d", y, m, day);
		return 0;
	}
	if (sscanf(d, "%4d-%2d%n", &y, &m, &n) == 2 && (size_t)n == strlen(d) && m >= 1 && m <= 12) {
		int leap = (y % 4 == 0 && y % 100) || y % 400 == 0;
		snprintf(out, 11, "%04d-%02d-%02d", y, m, mdays[m - 1] + (m == 2 && leap));
		return 0;
	}
	return -1;
}

/* An attribute, "" when it is not there (the schema requires these; the fuzzer does not). */
static char *attr(xmlNodePtr n, const char *name)
{
	char *v = xml_attr(n, name);

	return v ? v : xstrdup("");
}

/* A mandatory requirement: kind mandatory, or a documents requirement the profile makes one. */
static int mandatory(const char *kind, const char *obligation)
{
	return kind && (!strcmp(kind, "mandatory") || (!strcmp(kind, "docs") && obligation && !strcmp(obligation, "mandatory")));
}

/* One profile's judgement from the elements that hold it: at the top for the first profile,
 * inside <assessment> for each further one. */
static int assessment_read(xmlNodePtr holder, struct reg_assess *a, char *why, size_t len)
{
	xmlNodePtr prof = child(holder, "profile"), reqs = child(holder, "requirements");
	xmlNodePtr levels = child(holder, "levels"), label = child(holder, "label");
	struct strbuf reached;

	memset(a, 0, sizeof(*a));
	if (!prof || !reqs || !label) {
		snprintf(why, len, "the report judges no profile: a report for the registry names the scheme it was tested against");
		return -1;
	}
	a->profile = attr(prof, "id");
	a->profile_version = xml_attr(prof, "version");
	a->title = xml_attr(prof, "title");
	for (xmlNodePtr r = reqs->children; r; r = r->next) {
		if (!xml_is_el(r, "requirement"))
			continue;
		char *kind = attr(r, "kind"), *obl = xml_attr(r, "obligation"), *v = attr(r, "verdict");
		if (v && !strcmp(v, "fail") && mandatory(kind, obl))
			a->failed++;
		if (v && strcmp(v, "pass") && strcmp(v, "fail") && strcmp(v, "na"))
			a->undecided++;
		a->v = xrealloc(a->v, (a->nv + 1) * sizeof(*a->v));
		a->v[a->nv++] = (struct reg_verdict){ attr(r, "id"), kind, v, xml_attr(r, "decided-by") };
		free(obl);
		for (size_t k = 0; k + 1 < a->nv; k++)
			if (!strcmp(a->v[k].req, a->v[a->nv - 1].req)) {
				snprintf(why, len, "the report judges requirement %s twice for profile %s", a->v[k].req, a->profile);
				return -1;
			}
	}
	sb_init(&reached);
	sb_adds(&reached, "");
	for (xmlNodePtr l = levels ? levels->children : NULL; l; l = l->next)
		if (xml_is_el(l, "level") && xml_attr_bool(l, "reached", 0)) {
			char *id = attr(l, "id");
			sb_addf(&reached, "%s%s", reached.len ? " " : "", id);
			free(id);
		}
	a->levels_reached = sb_detach(&reached);
	for (xmlNodePtr f = label->children; f; f = f->next) {
		if (!xml_is_el(f, "field"))
			continue;
		char *name = attr(f, "name");
		char **to = !strcmp(name, "security-level") ? &a->level : !strcmp(name, "automatic-updates") ? &a->updates :
			    !strcmp(name, "supported-until") ? &a->support : !strcmp(name, "works-offline") ? &a->offline : NULL;
		if (to && !*to)
			*to = xml_attr(f, "value");
		free(name);
	}
	if (levels) {	/* the levels' own word, where there is one, over the label's */
		free(a->level);
		a->level = xml_attr(levels, "reached");
	}
	if (!a->level)
		a->level = xstrdup("not determined");
	return 0;
}

int report_index(const char *path, struct reg_report *r, char *why, size_t len)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!root) {
		snprintf(why, len, "%s does not parse", path);
		goto out;
	}
	xmlNodePtr dut = child(root, "dut"), lab = child(root, "lab"), op = child(root, "operator");
	xmlNodePtr sel = child(root, "selection"), label = child(root, "label");
	if (!xml_attr_bool(root, "complete", 0)) {
		snprintf(why, len, "the run is not complete (complete=\"false\"): a registry lists finished runs only");
		goto out;
	}
	r->vendor = dut ? xml_attr(dut, "vendor") : NULL;
	r->model = dut ? xml_attr(dut, "model") : NULL;
	if (!r->vendor || !r->vendor[0] || !r->model || !r->model[0]) {
		snprintf(why, len, "the report names no vendor and model (the DUT description's <identity>)");
		goto out;
	}
	r->firmware = dut ? xml_attr(dut, "firmware") : NULL;
	if (!r->firmware)
		r->firmware = xstrdup("");
	r->started = attr(root, "started");
	r->finished = xml_attr(root, "finished");
	if (!r->finished)
		r->finished = xstrdup(r->started);
	xmlNodePtr decl = child(dut, "declares");
	char last[11];
	r->support_until = decl ? xml_attr(decl, "support-until") : NULL;
	if (r->support_until && support_last_day(r->support_until, last) == 0)
		r->support_end = xstrdup(last);
	r->operator_name = op ? xml_attr(op, "name") : NULL;
	r->lab_in_report = lab ? xml_attr(lab, "name") : NULL;
	if (sel) {
		char *only = xml_attr(sel, "only"), *level = xml_attr(sel, "level");
		r->selection = xasprintf("%s%s%s%s%s", only ? "only " : "", only ? only : "", only && level ? "; " : "",
					 level ? "level " : "", level ? level : "");
		free(only);
		free(level);
	}
	r->report_id = label ? xml_attr(label, "report-id") : NULL;
	r->as = xcalloc(1, sizeof(*r->as));
	r->nas = 1;	/* counted first: what a refused assessment holds is freed with the report */
	if (assessment_read(root, &r->as[0], why, len) < 0)
		goto out;
	for (xmlNodePtr a = root->children; a; a = a->next) {
		if (!xml_is_el(a, "assessment"))
			continue;
		r->as = xrealloc(r->as, (r->nas + 1) * sizeof(*r->as));
		if (assessment_read(a, &r->as[r->nas++], why, len) < 0)
			goto out;
		for (size_t k = 0; k + 1 < r->nas; k++)
			if (!strcmp(r->as[k].profile, r->as[r->nas - 1].profile)) {
				snprintf(why, len, "the report judges profile %s twice", r->as[k].profile);
				goto out;
			}
	}
	rc = 0;
out:
	if (doc)
		xmlFreeDoc(doc);
	return rc;
}

/* ---- staging ---- */

/* Removes a tree that keur made (regular files and directories only). */
static void tree_remove(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = path_join(path, e->d_name);
			tree_remove(p);
			free(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Staging folders are named PID.XXXXXX: those of processes that are gone were left by an
 * intake that was killed, and are removed. */
static void staging_sweep(const struct registry *r)
{
	char *tmp = path_join(r->files, "tmp");
	DIR *d = opendir(tmp);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (e->d_name[0] == '.' || (pid > 0 && *end == '.' && !(kill((pid_t)pid, 0) < 0 && errno == ESRCH)))
			continue;
		char *p = path_join(tmp, e->d_name);
		tree_remove(p);
		free(p);
	}
	if (d)
		closedir(d);
	free(tmp);
}

/* Copies the run file rel of dir (its descriptor root) to the same name under stage: only a
 * regular file inside the run, never through a link (bundle_run_file), at most a bundle
 * member's size.  Not fsync'ed: blob_move does that for what is kept. */
static int stage_file(int root, const char *dir, const char *rel, const char *stage, char *why, size_t len)
{
	struct stat st;
	int in = bundle_run_file(root, dir, rel, &st, why, len), out = -1, e = 0;
	char *to = path_join(stage, rel), *todir = path_dir(to), buf[65536];
	int64_t total = 0;
	ssize_t n;

	if (in < 0)
		goto done;
	if ((e = mkdir_p(todir, 0755)) < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		e = e < 0 ? e : -errno;
		goto done;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0 && total <= BUNDLE_MAX_MEMBER) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (e = write_all(out, buf, (size_t)n)) < 0) {
			e = e < 0 ? e : -errno;
			goto done;
		}
		total += n;
	}
	if (total > BUNDLE_MAX_MEMBER)
		snprintf(why, len, "%s/%s is larger than the %lld bytes a registry takes of one file", dir, rel,
			 (long long)BUNDLE_MAX_MEMBER);
done:
	if (e < 0)
		snprintf(why, len, "cannot stage %s/%s: %s", dir, rel, strerror(-e));
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && !e)
		e = -errno;
	free(to);
	free(todir);
	return in < 0 || e < 0 || total > BUNDLE_MAX_MEMBER ? -1 : 0;
}

/* Copies DIR/report.xml, then every file the copy names, into the staging folder stage. */
static int stage_dir(const char *dir, const char *stage, char *why, size_t len)
{
	char **files = NULL;
	size_t n = 0;
	int rc = -1, root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (root < 0) {
		snprintf(why, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (stage_file(root, dir, "report.xml", stage, why, len) < 0 || sign_report_files(stage, &files, &n, why, len) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (stage_file(root, dir, files[i], stage, why, len) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	close(root);
	return rc;
}

/* fsync(2) of a file or folder by name; 0 or -errno. */
static int sync_path(const char *path, int flags)
{
	int fd = open(path, flags | O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0 || fsync(fd) < 0)
		e = -errno;
	if (fd >= 0)
		close(fd);
	return e;
}

/* A staged file to the store: on disk before its name is, and its name on disk before the
 * commit that refers to it, so that after a power cut no row names a file that is not there.
 * Read-only once stored: no one edits a stored report by accident. */
static int blob_move(const char *from, const char *to, const char *todir, const char *files)
{
	int e = sync_path(from, 0);

	if (!e && (chmod(from, 0444) < 0 || rename(from, to) < 0))
		e = -errno;
	if (!e)
		e = sync_path(todir, O_DIRECTORY);
	if (!e && files) {	/* the prefix folder is new: its name, and sha256/'s, to disk too */
		char *sha = path_join(files, "sha256");
		e = sync_path(sha, O_DIRECTORY);
		if (!e)
			e = sync_path(files, O_DIRECTORY);
		free(sha);
	}
	return e;
}

/* Moves the staged file rel to its content address, its SHA-256 and size into f. */
static int blob_put(const struct registry *r, const char *stage, const char *rel, struct reg_file *f, char *why,
		    size_t len)
{
	char *from = path_join(stage, rel), sha[65];
	int64_t size;
	int e = sha256_file(from, sha, &size);
	char *to = e ? NULL : registry_blob_path(r, sha), *todir = to ? path_dir(to) : NULL;
	struct stat st;

	/* A prefix folder made here is fsync'ed into its parents with the file (blob_move). */
	int fresh = stat(todir, &st) < 0;
	if (!e)
		e = mkdir_p(todir, 0755);
	/* The same content stored before (another report, or this one by an intake that was
	 * killed before its commit) stays as it is, if it still is that content. */
	char have[65];
	int64_t hsize;
	if (!e && !(stat(to, &st) == 0 && sha256_file(to, have, &hsize) == 0 && !strcmp(have, sha)))
		e = blob_move(from, to, todir, fresh ? r->files : NULL);
	if (e)
		snprintf(why, len, "cannot store %s: %s", rel, strerror(-e));
	else
		*f = (struct reg_file){ xstrdup(rel), xstrdup(sha), size };
	free(from);
	free(to);
	free(todir);
	return e ? -1 : 0;
}

/* ---- intake ---- */

/* The trusted lab whose CA the signer chains to; else why names the signer and, when it
 * chains to a lab whose trust was removed, that lab. */
static int lab_of_signer(struct store *st, const struct sign_facts *f, char **lab, char *why, size_t len)
{
	struct reg_lab *labs;
	size_t n;
	char w[256];
	const char *trusted = NULL, *removed = NULL, *second = NULL;

	*lab = NULL;
	if (st->ops->labs(st, &labs, &n) < 0) {
		snprintf(why, len, "%s", store_why(st));
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (sign_chain_pem(f, labs[i].ca_pem, w, sizeof(w)) < 0)
			continue;
		const char **slot = labs[i].trusted ? &trusted : &removed;
		if (*slot)
			second = labs[i].name;
		else
			*slot = labs[i].name;
	}
	/* A removed trust wins over a trusted lab the signer also chains to; two labs never share
	 * a report. */
	if (removed)
		snprintf(why, len, "signed by '%s' of lab '%s', whose trust was removed from the registry", f->signer, removed);
	else if (second)
		snprintf(why, len, "signed by '%s', which chains to the CAs of two labs ('%s' and '%s'): the registry "
			 "cannot tell whose report it is", f->signer, trusted, second);
	else if (!trusted)
		snprintf(why, len, "signed by '%s' (issued by '%s'), which chains to no lab on the registry's trust list%s",
			 f->signer, f->issuer, n ? "" : " (the list is empty: keur registry trust add CA.pem --lab NAME)");
	else
		*lab = xstrdup(trusted);
	reg_labs_free(labs, n);
	return *lab ? 0 : 1;
}

static void report_release(struct reg_report *r)
{
	reg_reports_free(r, 1);
}

/* "Acme Cam 1 firmware 1.2.0 (csr-label: level basic; ...), lab utrecht" */
static void summary_of(const struct reg_report *r, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "%s %s firmware %s (", r->vendor, r->model, r->firmware[0] ? r->firmware : "not stated");

	for (size_t i = 0; i < r->nas && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s: level %s", i ? "; " : "", r->as[i].profile, r->as[i].level);
	if (o < len)
		snprintf(out + o, len - o, ")%s%s", r->lab ? ", lab " : "", r->lab ? r->lab : "");
}

enum intake_outcome intake_add(struct registry *r, const char *src, const char *by, int64_t *id, char *summary,
			       size_t slen, char *why, size_t len)
{
	struct store *st = r->st;
	struct sign_facts f = { 0 };
	struct reg_report *rep = xcalloc(1, sizeof(*rep));
	struct stat sst;
	enum intake_outcome out = INTAKE_ERROR;
	char now[32], *stage = xasprintf("%s/tmp/%ld.XXXXXX", r->files, (long)getpid()), *xml = NULL;

	staging_sweep(r);
	if (!mkdtemp(stage)) {
		snprintf(why, len, "cannot make a staging folder in %s/tmp: %s", r->files, strerror(errno));
		goto out;
	}
	out = INTAKE_REFUSED;
	if (stat(src, &sst) < 0) {
		snprintf(why, len, "%s: %s", src, strerror(errno));
		goto out;
	}
	if (S_ISDIR(sst.st_mode) ? stage_dir(src, stage, why, len) < 0 : bundle_read(src, stage, why, len) < 0)
		goto out;
	if (sign_check(stage, &f, why, len) < 0)
		goto out;
	xml = path_join(stage, "report.xml");
	if (report_index(xml, rep, why, len) < 0)
		goto out;
	/* A copy, verified as any other, of a report stored before: nothing more to store (the
	 * transaction below checks again, for an intake running beside this one). */
	char sha[65];
	int64_t size;
	if (sha256_file(xml, sha, &size) == 0 && st->ops->report_find(st, sha, id) == 1) {
		summary_of(rep, summary, slen);
		out = INTAKE_ALREADY;
		goto out;
	}
	int t = lab_of_signer(st, &f, &rep->lab, why, len);
	if (t) {
		out = t < 0 ? INTAKE_ERROR : INTAKE_REFUSED;
		goto out;
	}
	summary_of(rep, summary, slen);
	rep->signer = xstrdup(f.signer);
	rep->signer_sha256 = xstrdup(f.cert_sha256);
	rep->added_at = xstrdup(time_iso(time_now_ms(), now, sizeof(now)));
	rep->added_by = xstrdup(by);

	/* The files, by content: report.xml first, then those it names. */
	char **files = NULL;
	size_t n = 0;
	out = INTAKE_ERROR;
	if (sign_report_files(stage, &files, &n, why, len) < 0) {
		out = INTAKE_REFUSED;
		goto out;
	}
	rep->files = xcalloc(n + 1, sizeof(*rep->files));
	int bad = 0;
	for (size_t i = 0; i <= n && !bad; i++) {
		bad = blob_put(r, stage, i ? files[i - 1] : "report.xml", &rep->files[i], why, len) < 0;
		rep->nfiles += !bad;
	}
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	if (bad)
		goto out;
	rep->sha256 = xstrdup(rep->files[0].sha256);

	/* One transaction: BEGIN IMMEDIATE waits for another intake, so the check for the same
	 * report and its insert cannot interleave with another process's. */
	if (st->ops->begin(st) < 0) {
		snprintf(why, len, "%s", store_why(st));
		goto out;
	}
	int found = st->ops->report_find(st, rep->sha256, id);
	if (found == 1) {
		st->ops->rollback(st);
		out = INTAKE_ALREADY;
		goto out;
	}
	if (found < 0 || st->ops->report_add(st, rep, id) < 0 || st->ops->commit(st) < 0) {
		snprintf(why, len, "%s", store_why(st));
		st->ops->rollback(st);
		goto out;
	}
	out = INTAKE_ADDED;
out:
	sign_facts_release(&f);
	report_release(rep);
	tree_remove(stage);
	free(stage);
	free(xml);
	return out;
}
