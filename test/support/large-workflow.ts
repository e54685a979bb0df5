/**
 * A large but valid workflow: `jobs` jobs, each a 16 × 16 matrix whose every leg assumes a role in its
 * own environment (600 jobs: 153,600 run contexts in a 140 KB file). Its analysis is linear but takes
 * seconds of CPU (its role is in an account outside every test tenancy, so it is never read), so it outlasts a budget of a second however fast each part of the analysis becomes
 * (a pathological input that is later made fast would silently stop testing the budget).
 */
export function largeDeployWorkflow(jobs = 600, branch = "master"): string {
  const legs = "[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]";
  const lines = Array.from(
    { length: jobs },
    (_, i) =>
      `  d${i}: {runs-on: x, environment: "e${i}-\${{ matrix.a }}-\${{ matrix.b }}", strategy: {matrix: {a: ${legs}, b: ${legs}}}, permissions: {id-token: write}, steps: [{uses: aws-actions/configure-aws-credentials@v4, with: {role-to-assume: "arn:aws:iam::999999999999:role/r", aws-region: x}}]}`,
  );
  return `on:\n  push:\n    branches: [${branch}]\njobs:\n${lines.join("\n")}\n`;
}
