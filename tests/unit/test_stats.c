/* The A/B statistics against values worked out by hand or published. */
#include "../../analyzer/stats.h"

#include <check.h>
#include <math.h>

#define NEAR(x, y, eps) ck_assert_msg(fabs((x) - (y)) <= (eps), "%g is not %g (+-%g)", (double)(x), (double)(y), (double)(eps))

START_TEST(summary)
{
	double v[] = { 5, 1, 4, 2, 3 };
	struct an_summary s = an_summarize(v, 5);
	NEAR(s.median, 3, 0);
	NEAR(s.q1, 2, 0);
	NEAR(s.q3, 4, 0);
	NEAR(s.min, 1, 0);
	NEAR(s.max, 5, 0);
	double w[] = { 4, 1, 3, 2 };
	NEAR(an_median(w, 4), 2.5, 1e-12);
	NEAR(v[0], 5, 0); /* input untouched */
}
END_TEST

START_TEST(mann_whitney_exact)
{
	double u;
	int exact;
	/* Fully separated 3 vs 3: U = 0, P = 2/20. */
	double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	NEAR(an_mann_whitney(a, 3, b, 3, &u, &exact), 0.1, 1e-12);
	ck_assert(exact);
	NEAR(u, 0, 0);
	NEAR(an_mann_whitney(b, 3, a, 3, &u, &exact), 0.1, 1e-12);
	NEAR(u, 9, 0);
	/* 10 vs 10 separated: 2 / C(20,10) = 2 / 184756. */
	double x[10], y[10];
	for (int i = 0; i < 10; i++) {
		x[i] = i;
		y[i] = 100 + i;
	}
	NEAR(an_mann_whitney(x, 10, y, 10, &u, &exact), 2.0 / 184756, 1e-15);
	/* Interleaved 1 3 5 / 2 4 6: U = 3 of 9; P(U <= 3) = 7/20, two-sided 0.7. */
	double c[] = { 1, 3, 5 }, d[] = { 2, 4, 6 };
	NEAR(an_mann_whitney(c, 3, d, 3, &u, &exact), 0.7, 1e-12);
	NEAR(u, 3, 0);
}
END_TEST

START_TEST(mann_whitney_normal)
{
	/* With ties: normal approximation with the tie correction.
	 * a = {1,2,2,3}, b = {2,3,4,5}: ranks 1,3,3,3,5.5,5.5,7,8; R_a = 12.5,
	 * U = 2.5, mean 8, sum(t^3-t) = 24+6 = 30,
	 * var = 16/12 * (9 - 30/56) = 11.2857; z = (5.5 - 0.5)/3.3594 = 1.4884. */
	double a[] = { 1, 2, 2, 3 }, b[] = { 2, 3, 4, 5 }, u;
	int exact;
	double p = an_mann_whitney(a, 4, b, 4, &u, &exact);
	ck_assert(!exact);
	NEAR(u, 2.5, 1e-12);
	NEAR(p, erfc(1.48835 / sqrt(2)), 1e-4);
	/* Identical samples: nothing to tell apart. */
	double s[] = { 1, 1, 1 };
	NEAR(an_mann_whitney(s, 3, s, 3, &u, &exact), 1, 1e-12);
}
END_TEST

START_TEST(bootstrap)
{
	double v[10] = { 0.31, 0.30, 0.32, 0.29, 0.33, 0.30, 0.31, 0.35, 0.28, 0.31 }, lo, hi, lo2, hi2;
	an_bootstrap_median_ci(v, 10, 2000, 42, &lo, &hi);
	ck_assert(lo <= an_median(v, 10) && an_median(v, 10) <= hi);
	ck_assert(lo >= 0.28 && hi <= 0.35 && lo < hi);
	an_bootstrap_median_ci(v, 10, 2000, 42, &lo2, &hi2);
	NEAR(lo, lo2, 0); /* fixed seed: reproducible */
	NEAR(hi, hi2, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("stats");
	tcase_add_test(tc, summary);
	tcase_add_test(tc, mann_whitney_exact);
	tcase_add_test(tc, mann_whitney_normal);
	tcase_add_test(tc, bootstrap);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
