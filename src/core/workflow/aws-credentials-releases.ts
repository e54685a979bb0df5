/**
 * Release tags of aws-actions/configure-aws-credentials by commit, so a SHA-pinned step can be
 * told apart by version. Read from the repository's tags (peeled to commits) at `main` bcd4089
 * (v6.2.3, 2026-08-18); a SHA not listed here is reported as an unknown version.
 */
const RELEASES: ReadonlyArray<readonly [string, string]> = [
  ["aa26d1f8263bab82a43a78fc0492f30464b7e20f", "v1.0.0"],
  ["18a79864eb64e6ac546b7729e39a40d00163f418", "v1.0.1"],
  ["d15e9e3279c3eb8e211a0a357c9cee1fefd5e055", "v1.1.0"],
  ["e8a907912d99e85dc84677be1b435174e2b114c9", "v1.1.1"],
  ["18a20dfee9cc631f063c8b382c11c9120015b21d", "v1.1.2"],
  ["ee662900a535695aa526bd6dbba07d8f16805198", "v1.2.0"],
  ["75aa8f1e41232efbfc5982c225f645ad07c86614", "v1.3.0"],
  ["cf6b87e99e50b695a1e6714430321a801ef94c05", "v1.3.1"],
  ["c9874b9244a57327cfa06e1677f108bc56c65279", "v1.3.2"],
  ["b77dc228388218453070969c00c26dc392ecb114", "v1.3.3"],
  ["2d01f93692c4b0188ad5bb2e2b2f74db77bf6668", "v1.3.4"],
  ["9f7f57b0937985d7abff8126518690e671df49ec", "v1.3.5"],
  ["58b282f00fd130fd5895dec93891394e7ee4589b", "v1.4.0"],
  ["da082bd93714de23a05548c70272c22b02c13ede", "v1.4.1"],
  ["9a78866a5646957b5cd9a0624d1ea35462050e6e", "v1.4.2"],
  ["6835cc921677cab5a33485b4f0007051b39ed243", "v1.4.3"],
  ["1fa7ccadcd8e80d08a9a4d6c2e886c978acc4e96", "v1.4.4"],
  ["c0243dfafd0e99b12caca0d56b6de8e7fb8d20db", "v1.5.0"],
  ["f11c31495459045d1177abd501ebc6c7d3f96354", "v1.5.1"],
  ["7341ffc943aa3a30bf35a860bc098011f504e2e6", "v1.5.2"],
  ["32d908adfb55576ba0c59f3c557058e80b5194c3", "v1.5.3"],
  ["1417e62aeacec5e7fbe447bb7712d50847507342", "v1.5.4"],
  ["e97d7fbc8e0e5af69631c13daa0f4b5a8d88165b", "v1.5.5"],
  ["51e2d042f8c5cf77f151685c9338e989dc0b8fc8", "v1.5.6"],
  ["d2221ce3c7101a35ff049cc8fe652f5c9a64372d", "v1.5.7"],
  ["cefc5912bc61e2b5a3b049c839fc283c7712d4e0", "v1.5.8"],
  ["0309c38ebd10f90dfbb3889431bcf4ea38088012", "v1.5.9"],
  ["13d241b293754004c80624b5567555c4a39ffbe3", "v1.5.10"],
  ["0d9a5be0dceea74e09396820e1e522ba4a110d2f", "v1.5.11"],
  ["ea7b857d8a33dc2fb4ef5a724500044281b49a5e", "v1.6.0"],
  ["05b148adc31e091bafbaf404f745055d4d3bc9d2", "v1.6.1"],
  ["67fbcbb121271f7775d2e7715933280b06314838", "v1.7.0"],
  ["e1e17a757e536f70e52b5a12b2e8d1d1c60e04ef", "v2.0.0"],
  ["5727f247b64f324ec403ac56ae05e220fd02b65f", "v2.1.0"],
  ["5fd3084fc36e372ff1fff382a39b10d03659f355", "v2.2.0"],
  ["ef93a73b1313f148011965ef7361f667f371f58b", "v3.0.0"],
  ["04b98b3f9e85f563fb061be8751a0352327246b0", "v3.0.1"],
  ["50ac8dd1e1b10d09dac7b8727528b91bed831ac0", "v3.0.2"],
  ["8c3f20df09ac63af7b3ae3d7c91f105f857d8497", "v4.0.0"],
  ["010d0da01d0b5a38af31e9c3470dbfdabdecca3a", "v4.0.1"],
  ["e3dd6a429d7300a6a4c196c26e071d42e0343502", "v4.0.2"],
  ["4fc4975a852c8cd99761e2de1f4ba73402e44dd9", "v4.0.3"],
  ["ececac1a45f3b08a01d2dd070d28d111c5fe6722", "v4.1.0"],
  ["f24d7193d98baebaeacc7e2227925dd47cc267f5", "v4.2.0"],
  ["b47578312673ae6fa5b5096b330d9fbac3d116df", "v4.2.1"],
  ["d0834ad3a60a024346910e522a81b0002bd37fea", "v4.3.0"],
  ["7474bc4690e29a8392af63c5b98e7449536d5c3a", "v4.3.1"],
  ["a03048d87541d1d9fcf2ecf528a4a65ba9bd7838", "v5.0.0"],
  ["00943011d9042930efac3dcd3a170e4273319bc8", "v5.1.0"],
  ["61815dcd50bd041e203e49132bacad1fd04d2708", "v5.1.1"],
  ["8df5847569e6427dd6c4fb1cf565c83acfa8afa7", "v6.0.0"],
  ["ec61189d14ec14c8efccab744f656cffd0e33f37", "v6.1.0"],
  ["d979d5b3a71173a29b74b5b88418bfda9437d885", "v6.1.1"],
  ["acca2b1b2070338fb9fd1ca27ecee81d687e58e5", "v6.1.2"],
  ["99214aa6889fcddfa57764031d71add364327e59", "v6.1.3"],
  ["e7f100cf4c008499ea8adda475de1042d6975c7b", "v6.2.0"],
  ["254c19bd240aabef8777f48595e9d2d7b972184b", "v6.2.1"],
  ["517a711dbcd0e402f90c77e7e2f81e849156e31d", "v6.2.2"],
  ["e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"],
];

const BY_SHA: ReadonlyMap<string, string> = new Map(RELEASES);

/** The release tag (e.g. `v4.0.2`) of a configure-aws-credentials commit SHA, if it is a release. */
export function configureAwsCredentialsRelease(sha: string): string | undefined {
  return BY_SHA.get(sha.toLowerCase());
}
