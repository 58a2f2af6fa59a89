// The process-wide thread count of dlcore's kernels (as torch.set_num_threads).
// OpenMP's own setting (omp_set_num_threads) is per calling thread; this count is one atomic
// for the whole process, and every OpenMP parallel region in csrc/cpu passes it (or less) in a
// num_threads clause, so a kernel called from any Python thread uses the same budget.
#pragma once

namespace dlcore::cpu {

int max_threads();          // the budget: >= 1; starts at OpenMP's default (OMP_NUM_THREADS)
void set_num_threads(int n);  // n < 1 is clamped to 1; 1 without OpenMP

}  // namespace dlcore::cpu
