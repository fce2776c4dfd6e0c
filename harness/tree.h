/* tree.h — a requirement's decision tree: yes/no questions the assessor answers from the
 * documentation, leading through the tree to pass, fail or not applicable (profile.xsd <tree>).
 *
 * Answers travel as text, "Q=yes,Q=no" in the order asked (the journal's review record, the
 * review file, the terminal review); keur derives the verdict by following them from the first
 * question, and refuses answers that leave the path. */
#ifndef KEUR_TREE_H
#define KEUR_TREE_H

#include <stddef.h>
#include <stdio.h>

#include "input.h"

#define TREE_ANSWERS_MAX 1024	/* bytes of an answers text */

/* Checks the tree of r in profile file path: every answer leads to exactly one of a question
 * the tree has or a verdict, no path goes round in a circle, every question is reached.  Sets
 * each answer's to.  Appends one line per problem, "PATH:LINE: ...", to err. */
void tree_check(const char *path, struct profile_req *r, struct input_errors *err);

/* The outcome of following answers through a tree. */
struct tree_walk {
	const char *verdict;	/* pass, fail or na when the answers reach one; NULL: not yet */
	int next;		/* the question to ask next when verdict is NULL, else -1 */
	char path[TREE_ANSWERS_MAX];	/* "DN-1 yes, DN-2 no: fail", for people */
	char answers[TREE_ANSWERS_MAX];	/* the answers on the path in the order asked: "DN-1=yes,DN-2=no" */
};

/* Follows answers ("Q=yes,Q=no", any order) from the first question of r's tree.  0 and *w,
 * or -1 with the reason in why: an answer names a question the tree does not have, is not yes
 * or no, is given twice, or lies off the path the others take. */
int tree_walk(const struct profile_req *r, const char *answers, struct tree_walk *w, char *why, size_t len);

/* Frees r's tree and leaves it without one. */
void tree_release(struct profile_req *r);

/* Index of question id in r's tree, or -1. */
int tree_find(const struct profile_req *r, const char *id);


/* For people (keur list --requirement, the review template and the terminal review): r's
 * guidance as labelled paragraphs and its tree as numbered questions with where each answer
 * leads, each line begun with indent and wrapped to width columns.  Nothing when r has none. */
void guidance_print(FILE *f, const struct profile_req *r, const char *indent, int width);
void tree_print(FILE *f, const struct profile_req *r, const char *indent, int width);
/* One paragraph: first after label (padded to pad columns), continuation lines aligned. */
void wrap_print(FILE *f, const char *indent, const char *label, int pad, const char *text, int width);

/* The guidance and tree of r into a journal record (the run's "req" record), so that a review
 * long after the run follows the profile as it was: "g-examine", "g-try", "g-pass", "g-fail",
 * "g-na", and per question "question" = "ID YES NO ASK", an answer being a question ID or
 * "=VERDICT". */
struct jrec;
void req_guide_record(const struct profile_req *r, struct jrec *rec);
/* Back from such a record: r's id, summary, guidance and tree (checked again, so a damaged
 * record gives no tree rather than a broken one).  Release with profile_req_release. */
void req_guide_load(const struct jrec *rec, struct profile_req *r);
#endif
