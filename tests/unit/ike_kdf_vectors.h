/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Known answers for the IKEv2 key derivation, PSK AUTH and SK payload: four
 * IKE_SA_INIT + IKE_AUTH exchanges between two strongSwan 5.9.8 charons, in
 * shared/vectors/strongswan-5.9.8 (see shared/notes/strongswan-peer.md).
 *
 *   ikev2-V.keys.txt      what the initiator charon logged: SPIs, g^ir,
 *                         SKEYSEED, SK_*, the ESP keys, the initiator's AUTH
 *                         octets and value; ikev2-V.kdf-check.txt recomputed
 *                         them independently ("ALL OK").
 *   ikev2-V.dev0.pcap     frames 1-4 (the initiator's side of the NAT), from
 *                           tshark -r F -T fields -e frame.number
 *                                  -e udp.dstport -e udp.payload
 *                         with the 4-byte non-ESP marker stripped on port 4500.
 *                         Ni and Nr are the Nonce payload data of frames 1 and
 *                         2; Ni | Nr is keys.txt's "seed".
 *   ikev2-V.decoded.txt   tshark's dissection with the SK payloads decrypted:
 *                         inner lengths, first inner payload, responder AUTH.
 *   conf-examples/        the PSK below and the identities.
 *
 * Every value was cross-checked when this file was written with Python's
 * hmac and cryptography: octets = frame 1 | Nr | prf(SK_pi, IDi'), both AUTH
 * values, and both IKE_AUTH decryptions.  The ESP keys are the Child SA's
 * KEYMAT without PFS (AES-GCM-128 / ChaCha20-Poly1305 in ESP too: no INTEG).
 * Hex strings, no whitespace; a NULL field has no known answer.
 */
#ifndef XDPSEC_TEST_IKE_KDF_VECTORS_H
#define XDPSEC_TEST_IKE_KDF_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_wire.h"

/* conf-examples/{psk,chacha}/{dev,gw}-swanctl.conf, secrets.ike-anchor */
#define IKE_KAT_PSK "ss-anchor-test-psk-0123456789abcdef"

struct ike_kat {
	const char *name;		/* ikev2-NAME.* */
	uint16_t encr;			/* IKE and ESP ENCR; no INTEG */
	uint16_t key_bits;
	uint16_t prf;
	bool psk;			/* PSK AUTH, else ECDSA (RFC 7427) */
	const char *spi_i, *spi_r;
	const char *gir;
	const char *skeyseed;
	const char *sk_d, *sk_ei, *sk_er, *sk_pi, *sk_pr;
	const char *esp_encr_i;		/* KEYMAT: initiator to responder */
	const char *esp_encr_r;
	const char *octets_i;		/* InitiatorSignedOctets as logged */
	const char *auth_i;		/* the initiator's AUTH as logged (PSK) */
	const char *ni, *nr;
	const char *init_req;		/* IKE_SA_INIT request, as sent */
	const char *init_resp;
	const char *auth_req;		/* IKE_AUTH request */
	const char *auth_resp;
	size_t auth_req_plain_len;	/* inner payloads' bytes */
	size_t auth_resp_plain_len;
	const char *auth_req_first;	/* the first inner payload's generic header */
	const char *auth_resp_first;
	const char *idi, *idr;		/* ID payload bodies: type, reserved, data */
	const char *auth_r;		/* the responder's AUTH, as decoded */
};

static const struct ike_kat ike_kats[] = {
	/*
	 * ikev2-psk-nat: AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519, PSK, initiator behind a NAT.
	 */
	{
		.name = "psk-nat",
		.encr = IKE_ENCR_AES_GCM_16,
		.key_bits = 128,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.psk = true,
		/* ikev2-psk-nat.keys.txt */
		.spi_i = "fcc7e7588a2148cf",
		.spi_r = "5270aff1f46df619",
		.gir =
			"dd519b62206576daa06a156a0dab7d7fffeb96527049033cf16163fe9f839721",
		.skeyseed =
			"6a13fdb3f41f6ff5cf0c909e55bccb74a74ca0c0922bc84b7a0dd3dc332235d7",
		.sk_d =
			"7b8b2846f2bc3c5ddd595d3a8cee57812950e1db72c690238509e0509ed98be6",
		.sk_ei =
			"38197711f6013aea30e38e6f8d6632e34d12eec0",
		.sk_er =
			"8ad75c793e3fc99c63d086fa949ae95e941ca3a9",
		.sk_pi =
			"175bc9d60d09a2c4af1ca0856ee1bdaf881dd28f597ff5ae9bfe4fb0975f7147",
		.sk_pr =
			"2d413a48f87ef4f19472319b2b97930ce0453f98da1f698c45b2522466af43b6",
		.esp_encr_i =
			"76c771abaa152b6ba168e4e66d26b63ce4645962",
		.esp_encr_r =
			"263cdabdb65f1ac7bf654f549ed2a857a61a9798",
		.octets_i =
			"fcc7e7588a2148cf00000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f0000104331ea7fba5294d1e985d81bf77eafece5a53b"
			"c0c900324d65778f35b6e02d29000024c18ce8f953154d21130710ec3c5428b6"
			"b60e67417640bebca495b545e142a2d42900001c00004004acba00e1de2455be"
			"025f2514bcfb7b1a68f3cb4d2900001c0000400555f8b9832c73957e422cea7c"
			"334ae1fd58c7889a290000080000402e290000100000402f0002000300040005"
			"00000008000040161ff7f64ca5c60d2b55d23fed5f6d6388a5b43d2055183c5c"
			"44f123928fdc6220c742ada5bed56a5ef0b763cb8863b9a714cd55101ddeb86c"
			"9828a529842651c6",
		.auth_i =
			"bfe630c8252c8075c03226c05fd02b4a608b9eed3433e06d93d1360b23fd2e45",
		/* ikev2-psk-nat.dev0.pcap frame 1 (IKE_SA_INIT request), Nonce payload data */
		.ni =
			"c18ce8f953154d21130710ec3c5428b6b60e67417640bebca495b545e142a2d4",
		/* ikev2-psk-nat.dev0.pcap frame 2 (IKE_SA_INIT response), Nonce payload data */
		.nr =
			"1ff7f64ca5c60d2b55d23fed5f6d6388a5b43d2055183c5c44f123928fdc6220",
		/* ikev2-psk-nat.dev0.pcap frame 1, UDP payload (232 bytes) */
		.init_req =
			"fcc7e7588a2148cf00000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f0000104331ea7fba5294d1e985d81bf77eafece5a53b"
			"c0c900324d65778f35b6e02d29000024c18ce8f953154d21130710ec3c5428b6"
			"b60e67417640bebca495b545e142a2d42900001c00004004acba00e1de2455be"
			"025f2514bcfb7b1a68f3cb4d2900001c0000400555f8b9832c73957e422cea7c"
			"334ae1fd58c7889a290000080000402e290000100000402f0002000300040005"
			"0000000800004016",
		/* ikev2-psk-nat.dev0.pcap frame 2, UDP payload (240 bytes) */
		.init_resp =
			"fcc7e7588a2148cf5270aff1f46df6192120222000000000000000f022000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f00009b747f22aceca1db616e415dff77a1b3bd23ce8e"
			"092983dd4b077bb332fc9e7a290000241ff7f64ca5c60d2b55d23fed5f6d6388"
			"a5b43d2055183c5c44f123928fdc62202900001c00004004db5b7c74a5fbfc9f"
			"f795775dd76cccd0d57d68ad2900001c000040055856f1e8e667eb0dca9405e3"
			"79203ee86d0f466f290000080000402e290000100000402f0002000300040005"
			"29000008000040220000000800004014",
		/* ikev2-psk-nat.dev0.pcap frame 3: IKE_AUTH request (293 bytes) */
		.auth_req =
			"fcc7e7588a2148cf5270aff1f46df6192e202308000000010000012523000109"
			"53f65389217feea4ebbb96ca3203cfb9a67da57970d324344b1f48f990abd198"
			"05bbf48887da5784c454a445bc40b2933513b76e21c4e24c671c8459d7518bd5"
			"b77c69a40f55f20cce0ee28879930fe19ad7fae12da32159567b43a8cea6a348"
			"d47a70f9959221a0c1eae007e46463a78f8e5ddd6c37abf7a475c4c1466e545d"
			"239477a162f112621032a13d092b096946203c64b8edc3888a8b4e110d6ed092"
			"85829dc14651d5177b5f49e2e20519a4472d231e8ad6d6374d97ad0bf8061599"
			"679a400223a3d7c650cf1e587c494d2cd173fb5da89972e0cc9602ec0690a469"
			"b1df4592de47fc541ea37de7141dbccc4b5965f8ec2f027084c77c1a3a10d166"
			"d0785ee3c2",
		/* ikev2-psk-nat.dev0.pcap frame 4: IKE_AUTH response (242 bytes) */
		.auth_resp =
			"fcc7e7588a2148cf5270aff1f46df6192e20232000000001000000f2240000d6"
			"ca65189b711b01136189ecb239e2a09dc30f9fc0bf933545b32e335e12f8cbe8"
			"8d1c38ee27ec3522db5bf0e589f9400ba1b6ed830a58100d2ee966a888ea8418"
			"03251698f38d81d5006a413ec89c86a6e88150ac5dd4526bb94d5341bd3d4a0b"
			"497846025cb0d41f743c97dd45d836f19784cc05065b08541c2daffcddd1fcae"
			"e6c177d1c9f9181d55a901f2f82fad8a75cc01e85ab1610569c3a2741341ff1c"
			"3a44861a5d5ee051c3fdd3da3923dfca80e759f60df31a7b7253de5d36eca1be"
			"be7028fa700db9274bc65e63d89c97c160f5",
		/* inner payloads: ikev2-psk-nat.decoded.txt ("Contained Data") */
		.auth_req_plain_len = 236,
		.auth_resp_plain_len = 185,
		.auth_req_first = "2900001b",	/* IDi, next 41, length 27 */
		.auth_resp_first = "27000019",	/* IDr, next 39, length 25 */
		/* ID payload bodies: ID_RFC822_ADDR dev1@ss-anchor.test, FQDN gw.ss-anchor.test */
		.idi = "03000000646576314073732d616e63686f722e74657374",
		.idr = "0200000067772e73732d616e63686f722e74657374",
		/* ikev2-psk-nat.decoded.txt, frame 4: the responder's AUTH payload data */
		.auth_r =
			"3927fb7d15d5d1ccf6431d86deac94e7acf148928e6fce20be63e6bae067a94d",
	},
	/*
	 * ikev2-psk-nonat: AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519, PSK, no NAT
	 * (kernel-libipsec still floats to port 4500).
	 */
	{
		.name = "psk-nonat",
		.encr = IKE_ENCR_AES_GCM_16,
		.key_bits = 128,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.psk = true,
		/* ikev2-psk-nonat.keys.txt */
		.spi_i = "092cf7583d952b61",
		.spi_r = "3ffaa001584b995f",
		.gir =
			"47aa841bb1397210af4f2ecd0741060fe0f258a56fb432c194b7c1eaa24db42b",
		.skeyseed =
			"58660e161403414353f18da3d635325def9eb067c424261ab77f82e7e3b3f46d",
		.sk_d =
			"17ed8252f15ee2393e7571bd52c8ac82142c1f6fc22d874f9d645505d91d4748",
		.sk_ei =
			"c49670387fdeaf841245833bcfb7e5716f535a70",
		.sk_er =
			"67b4dbe994da56503954268244484b3fcb1fc558",
		.sk_pi =
			"b7fa0fd4777d9a751712bb9d904c3990065d59f210c7c5b97791c28de8e4593c",
		.sk_pr =
			"b40697a78d038b2812a7a80ca7b3530714f39cc4ef39fe644612bdddecd40082",
		.esp_encr_i =
			"b0251ee49f0de4d153a8946aade9e6b7bcf59add",
		.esp_encr_r =
			"c52bc330bae35aede9d63f42f2f2aba5daf80414",
		.octets_i =
			"092cf7583d952b6100000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f00007be6610553f3e4551cd4112eb901635c19a496d8"
			"85a5973c72fb634e705a4f37290000243f689d7676bc1f1dad6ffcd0852df36d"
			"db47ce0e20c3203fad73d55fb8633f212900001c00004004439339565a113bfc"
			"4fff43ccbdaaefd2cc1a48612900001c000040051cf6488a720709ca994c6cb5"
			"16891a3836ac282f290000080000402e290000100000402f0002000300040005"
			"00000008000040168c6eb97cc0e29e9600660dfb9b4a288c26afd236f89cd186"
			"69dde8d1b4a1154f9bb255924637f9556461cbf2c76d428da57de31570a218e7"
			"a0bc61a23091c4a7",
		.auth_i =
			"38f8149919c344d36ddef1c2964c1c37685a1bce4fa078cf4990504b26fc682b",
		/* ikev2-psk-nonat.dev0.pcap frame 1 (IKE_SA_INIT request), Nonce payload data */
		.ni =
			"3f689d7676bc1f1dad6ffcd0852df36ddb47ce0e20c3203fad73d55fb8633f21",
		/* ikev2-psk-nonat.dev0.pcap frame 2 (IKE_SA_INIT response), Nonce payload data */
		.nr =
			"8c6eb97cc0e29e9600660dfb9b4a288c26afd236f89cd18669dde8d1b4a1154f",
		/* ikev2-psk-nonat.dev0.pcap frame 1, UDP payload (232 bytes) */
		.init_req =
			"092cf7583d952b6100000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f00007be6610553f3e4551cd4112eb901635c19a496d8"
			"85a5973c72fb634e705a4f37290000243f689d7676bc1f1dad6ffcd0852df36d"
			"db47ce0e20c3203fad73d55fb8633f212900001c00004004439339565a113bfc"
			"4fff43ccbdaaefd2cc1a48612900001c000040051cf6488a720709ca994c6cb5"
			"16891a3836ac282f290000080000402e290000100000402f0002000300040005"
			"0000000800004016",
		/* ikev2-psk-nonat.dev0.pcap frame 2, UDP payload (240 bytes) */
		.init_resp =
			"092cf7583d952b613ffaa001584b995f2120222000000000000000f022000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f000043f81f1a89814fa826423a89b415cc779ac35898"
			"8b8777c9e94f9c406f558627290000248c6eb97cc0e29e9600660dfb9b4a288c"
			"26afd236f89cd18669dde8d1b4a1154f2900001c00004004906139e25f829adb"
			"6eca17a5059af83758a2b4932900001c000040057d16fe31da1bdad80dc9093b"
			"aa8109e287932cbf290000080000402e290000100000402f0002000300040005"
			"29000008000040220000000800004014",
		/* ikev2-psk-nonat.dev0.pcap frame 3: IKE_AUTH request (293 bytes) */
		.auth_req =
			"092cf7583d952b613ffaa001584b995f2e202308000000010000012523000109"
			"ebb6297ab1d71879f7a2cb15459ae6939677e8304f9103fdb6db9142312a119a"
			"35eda36355e18eef33f818b68c7e6a60a949627096a5748f92ecf254cfcbe051"
			"55138423c78ad6eeaff3b3afab367fcfcfb922337ea4db35c3e1cce79a1032fc"
			"6195ef8846e9df8d3ce1aaebc0bece9b2a8b2ebe009881fe932e5e21e619b6fa"
			"6beddf5d929bbb89030110b2efe6339ddf8ca755b99bc3d34a462fa2343fe483"
			"87351a8b84594521b70e24bff1f9fb90df0f8e3538f3b6ea955fb897244b0e6f"
			"b346c542ed90ca7de633b67ee5b54b9448c6c30d655373e7875ba4a4ba3a66c5"
			"cdd7cffa9c1e90b70a6546ab947c7c6231c08c18fcb3a237a2487709029496fb"
			"578db2f47c",
		/* ikev2-psk-nonat.dev0.pcap frame 4: IKE_AUTH response (242 bytes) */
		.auth_resp =
			"092cf7583d952b613ffaa001584b995f2e20232000000001000000f2240000d6"
			"fede703dc0abb2fb1ee4109e1ed480f1743c7b941e67ef9a6e3594a8f450094a"
			"b474b80f3b9227aa93e154bab68f84a3e1e315b3e8858008ffdab96564e80492"
			"f2d2d3ef88ff292590cb754f9b8b355fbffd1edfa08fa59e061847243eca0292"
			"32638793da3e926119fc9c2bc11f894663082e2a0667a73aa522452806127e43"
			"5172d48664836be3cd27496ccf66e7397028fadf0cd66a15cd609c742707874f"
			"a5fd9ba3a3c55cda5873780bf3c31d313a4333c19cdf3747a9199913f291d8d2"
			"896f2ae9779fa005b4abf00fd543193de159",
		/* inner payloads: ikev2-psk-nonat.decoded.txt ("Contained Data") */
		.auth_req_plain_len = 236,
		.auth_resp_plain_len = 185,
		.auth_req_first = "2900001b",	/* IDi, next 41, length 27 */
		.auth_resp_first = "27000019",	/* IDr, next 39, length 25 */
		/* ID payload bodies: ID_RFC822_ADDR dev1@ss-anchor.test, FQDN gw.ss-anchor.test */
		.idi = "03000000646576314073732d616e63686f722e74657374",
		.idr = "0200000067772e73732d616e63686f722e74657374",
		/* ikev2-psk-nonat.decoded.txt, frame 4: the responder's AUTH payload data */
		.auth_r =
			"807976b23499cbd02faf26f7e79d29e1b134c9e6bd45ba586e76ba0630a39d20",
	},
	/*
	 * ikev2-cert-nat: AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519,
	 * ECDSA P-256 certificates (RFC 7427 AUTH), behind a NAT.
	 */
	{
		.name = "cert-nat",
		.encr = IKE_ENCR_AES_GCM_16,
		.key_bits = 128,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.psk = false,
		/* ikev2-cert-nat.keys.txt */
		.spi_i = "d708ffe3f8a3402f",
		.spi_r = "d491c32d36f619ca",
		.gir =
			"07cf0b121a835f70468ef9deef6acdd1343585720765e77508933d3c2ec5d204",
		.skeyseed =
			"51aa91f0c9e91df78d5f97dbcb0fb5142269aeb54ee0776b1a0b00715232fb29",
		.sk_d =
			"cb7b2bc6674ac1d6bf4ba44f5163ca66be50fa78fe19d56271a27ff7e3472909",
		.sk_ei =
			"3c93fb927d0150fbb21cd69f2a92563427953963",
		.sk_er =
			"bca8678b475d0c4d425c733e26d39a53f260ccdd",
		.sk_pi =
			"577eb47d3874e0b18b01ae6b91bb0ba09f22cb941bb86bc3cdc514db8b169c74",
		.sk_pr =
			"84704de226492b405ffe64fa075654e80a99891816258ed2feb3f2fe4c53a8c4",
		.esp_encr_i =
			"3ef6d9b175b57b1a24deb0c7d96fb9b6b66af0b7",
		.esp_encr_r =
			"b8f306e77f967ec2ba8be8c9a47e69f1bb9ce7c9",
		.octets_i =
			"d708ffe3f8a3402f00000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f000059d127283434a31bb314abf787b795a9ef1991df"
			"c0a1d6b93a43a3b6f89f2a7629000024fcbd5c75277f3866ba320dff63798c0a"
			"fe33f37d74e4fcfc5749946c63d568402900001c00004004290fb51fdbbd70ef"
			"f2264064901b41f1d73c67822900001c000040059163d4b1843f2d75def149ed"
			"eb8754f8c6c094cb290000080000402e290000100000402f0002000300040005"
			"000000080000401621a200e6f722e70b870f7d973bb93d3664a2a4f0ab784b7f"
			"c7748f93592bb5d8582808451a63975a60d166abd87efdcb0e9a9a582be93f72"
			"efcae50d9d9baab5",
		/* ikev2-cert-nat.dev0.pcap frame 1 (IKE_SA_INIT request), Nonce payload data */
		.ni =
			"fcbd5c75277f3866ba320dff63798c0afe33f37d74e4fcfc5749946c63d56840",
		/* ikev2-cert-nat.dev0.pcap frame 2 (IKE_SA_INIT response), Nonce payload data */
		.nr =
			"21a200e6f722e70b870f7d973bb93d3664a2a4f0ab784b7fc7748f93592bb5d8",
		/* ikev2-cert-nat.dev0.pcap frame 1, UDP payload (232 bytes) */
		.init_req =
			"d708ffe3f8a3402f00000000000000002120220800000000000000e822000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f000059d127283434a31bb314abf787b795a9ef1991df"
			"c0a1d6b93a43a3b6f89f2a7629000024fcbd5c75277f3866ba320dff63798c0a"
			"fe33f37d74e4fcfc5749946c63d568402900001c00004004290fb51fdbbd70ef"
			"f2264064901b41f1d73c67822900001c000040059163d4b1843f2d75def149ed"
			"eb8754f8c6c094cb290000080000402e290000100000402f0002000300040005"
			"0000000800004016",
		/* ikev2-cert-nat.dev0.pcap frame 2, UDP payload (265 bytes) */
		.init_resp =
			"d708ffe3f8a3402fd491c32d36f619ca21202220000000000000010922000028"
			"00000024010100030300000c01000014800e0080030000080200000500000008"
			"0400001f28000028001f00001af34edc8db2d4f67b84109f9e94ab7d0ae43a86"
			"271a2de51dd1a9d27f04f93b2900002421a200e6f722e70b870f7d973bb93d36"
			"64a2a4f0ab784b7fc7748f93592bb5d82900001c00004004d6b805ecbf3f155e"
			"94ccb14173d6eb2929203b0d2600001c000040057eb723e3489f7339056832bc"
			"75b7616aecd9c3fc2900001904797cc05fe15185d114c404970d805ce6ce60b9"
			"79290000080000402e290000100000402f000200030004000529000008000040"
			"220000000800004014",
		/* ikev2-cert-nat.dev0.pcap frame 3: IKE_AUTH request (848 bytes) */
		.auth_req =
			"d708ffe3f8a3402fd491c32d36f619ca2e202308000000010000035023000334"
			"afe4e987edc4241814286448a6f02dc3152bbd02be9a83600fac92dd19f9abea"
			"6bf7145473145e04a98a17786a2be9476ee570c824db752ed21e4cb4ca13a79c"
			"fa2f1ad24de194efaa50d6c122bc58f78230e989683e5ae5178b7e923a943d8e"
			"b2e226eba7f3b258e22764537d4258d05407081654cd64f728721f58ab83ec55"
			"3095ea147ae127b3ac4170c30a532f84f61c6fd2a29bc38ef79ec20803d44048"
			"ca1fb195e174b7a76addda82ea0fd1455d5498912ee72a191c1ec190b1017269"
			"cce590304538b0d66767962d6adc5753c87c49eee5187a7fc23b5b87d4ec31d0"
			"3b20e24ef376eac592e97d47fb8e23e526d57dc6bd21c15410678edb4e15e9ce"
			"fa04ce1793ec792b3f78ec8224bede9d6d592dcaf5e63fd8f7f1445820305bf2"
			"54a872965017b5e5828d2eab10741a623bebebba735e0b737584c1cb9f47a5df"
			"2c60d07a1d63768542218a62bdfb42ae21f71b006febba454e6a01e9a4086f89"
			"91d8491aa60f003f7ab204559b045f5787f93e39028fe8245d67da6f83a11365"
			"5719d1851ce922ccd799cd9cd92539c550c44a0cdb2dc8dbff044da757e61e30"
			"c2842a95ad328df1e8af26a332e5873ea995e654dcca8b0e6eabce0ec88b1e26"
			"f238cc614c8e45f70ec6f1dad518fd1a3d7ea7a03aff4ae2e37d889a7ddf9124"
			"509584b56ad4624fa456ffd0d6441b92995a354f9cddb6cea53d52bac3074749"
			"3b0ddc099a1763c8f019b61f4a8ef2a4cd967016688ef93f67136f77a85b0e97"
			"f054afc20b4f07559d630d70b90b8d5ec045f91ffba50067462bfe1078e3b904"
			"eca8092fcc5d0d4bdf48c1675dbe2168c001c9862b5d82612a147ebb656d5229"
			"4839cb5735f8da8ae9cedb42f94ecfed0c3f2eb7f94c16c75a45375598ecc3b1"
			"7462927dcd7e7527273b77638f11d8fef41cef49d3df03f9c8182768711c120c"
			"0a2cb49c662e8f17f48a74d66029891558cddf33fcf3830cfd065609c01b4eef"
			"998142df8065c3454a89cade7cbfb755876eddf2babc8f6dd5da5619d24f4a3b"
			"d7101fe5366b3ab5ca3631b94a97ad679409ef06cd06365662621f20b52a8e94"
			"297102450b0e8c246a2496366b144c40c6f47bf80d207967417abacbbf0bdd26"
			"f70dc7a73d79cb9688bfdebe706e31a2",
		/* ikev2-cert-nat.dev0.pcap frame 4: IKE_AUTH response (766 bytes) */
		.auth_resp =
			"d708ffe3f8a3402fd491c32d36f619ca2e20232000000001000002fe240002e2"
			"3550192b402bd9ca023aa775cb89dd3bcb1f0aaffd8dba2712d9eb4b9e9a6ea4"
			"85df5094af3399dfa8cdddb5ca48a84274e4218a87e729bd00b1d34a5b0be42a"
			"8a043dbdef058a2c64ae2e2c581d75159b68db4769b12a24e5ebc66d88d1ec22"
			"8d59b5b7b008c3b3c308521eea0b202447041b685df13357ac47afa0921598a5"
			"00e09e98117fd933bcb8a807b8047a7a94b6d34b1959ad6c53d6be24518d3e86"
			"19cce62b285ce87290772246da7a10d680196da625ec36723766fa269a815791"
			"d6027af817d4b03665de69e5f8563b5baa9aaa69edd76e890fb07797af55f4db"
			"16d1df36fbeb7c7882f07f66e45fded2ebe0e8d6ef7b6e9687b72963304c5646"
			"78263b849750727d1b980b0484c83506f0b5dd1abdd18723c9a59f3bee3e501c"
			"ccd7a91818ce83b806cd0e2b68ca41788b651b7b69a1f092106aae29bef7c882"
			"fdc4eba3efe468e63ff9ec9b58020a31965299c61c3988b69906b7ffc3180a8c"
			"ceb18f8ba42c292c071d4a1125f1e64b305f4b60acfba2b9c4e929d1bec27d9e"
			"17244c55593f83381640474d04103f56873226e80222ce43712e3f5e616de678"
			"8fb6af7c63fb2c6ad7bc014f07c5be20e1dab16a4ffc070a8ae138ec22fd9a2c"
			"382608231f4f87ac4611e1fc80da83b849bce7ac14886eecbc4cd80c9a070e08"
			"9d8b81b439b0f5310ce3263dd6a0c5c85ec20e05049d1a53504c81e813cca93a"
			"57e9a221fe394625573fc1f37bb252581503b968d64971d3dcebfa4dd5737559"
			"ed863fee3620224c82efe8657c62b9b8ae053463f2ffaa626857566f78c6c162"
			"abe16cedcc9920e6425b6f95f623ac48f1df84bc7a955a4e670288dd30299704"
			"4fe6c45430ac136e6cc99f43637176b2f6ed26465e1f75129ed73e37a8550b93"
			"06b6754157b7ce2105e1bee25cd59341dd4b6ac7cfbc395a58ac1ea69db3f49a"
			"0602d3622d9818100830d0384f9832acba7eabb3654e9c53c7943a24ad226a09"
			"bd44066785315a6c2bc714a28b365706c8c927241db80a77ae478178de7c",
		/* inner payloads: ikev2-cert-nat.decoded.txt ("Contained Data") */
		.auth_req_plain_len = 791,
		.auth_resp_plain_len = 709,
		.auth_req_first = "2500001b",	/* IDi, next 37, length 27 */
		.auth_resp_first = "25000019",	/* IDr, next 37, length 25 */
		/* ID payload bodies: ID_RFC822_ADDR dev1@ss-anchor.test, FQDN gw.ss-anchor.test */
		.idi = "03000000646576314073732d616e63686f722e74657374",
		.idr = "0200000067772e73732d616e63686f722e74657374",
	},
	/*
	 * ikev2-chacha-nat: CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519, PSK, behind a NAT.
	 */
	{
		.name = "chacha-nat",
		.encr = IKE_ENCR_CHACHA20_POLY1305,
		.key_bits = 0,
		.prf = IKE_PRF_HMAC_SHA2_256,
		.psk = true,
		/* ikev2-chacha-nat.keys.txt */
		.spi_i = "c1455c377db24ae2",
		.spi_r = "52d129a833521518",
		.gir =
			"34f21f104f2cfd247fae0ab66a5e28264166d87c9c725d61a7837ead213e1e29",
		.skeyseed =
			"4bd46989348a27acf3e7e78bf3028830db25b1d4b2eb230636421840ba617316",
		.sk_d =
			"0b65d75624b09d474db7072d59415a6ab44fc1528fe7c4f46a38b2513b74fb4b",
		.sk_ei =
			"325379bf36533f80b650a601578e8545a094ba4ec1378c76fd842ac0ccfb358d"
			"9df35b15",
		.sk_er =
			"4e54966e83f5960905d9dac09d299499107f870258c6269b8147679cc92c3a4e"
			"54a9a8dc",
		.sk_pi =
			"2ed4697a7c0a2292b239c986a6267ebc1f1b35f9e04ca75d8b691947d8d0d0b9",
		.sk_pr =
			"735ba9e8a3513c15da5529906978375dbdc6c208942d2e2b4592eb26859c40e3",
		.esp_encr_i =
			"ba5d7f44c4bac91f2057bf20c9a2f43d714b51d015039ab5d3772af6817ade90"
			"1cc2801e",
		.esp_encr_r =
			"373e814d2aba95036f3cb6d9da1fb5011567226bb72df5a22665a942a8c39cac"
			"5a9c231c",
		.octets_i =
			"c1455c377db24ae200000000000000002120220800000000000000e422000024"
			"0000002001010003030000080100001c0300000802000005000000080400001f"
			"28000028001f000065461ff6f584116e5495ec39567912897c8903dc251d7d0a"
			"69f4c7e8fa12ae1429000024a40855e068b721b337a4e1c7484fc4684b303d77"
			"b04ba24b80865e2e2c28ac572900001c0000400466129f6fd2fc3aa2b8f2b9ac"
			"a8532c11d50ea4952900001c00004005761ddc86bbdb03c36a40503325170787"
			"2dafdef6290000080000402e290000100000402f000200030004000500000008"
			"00004016012a051ab78ca12809b7c78e54f331e0370a649dd8711ce6e2884af1"
			"d4d9a537f01323f03fe7dd7213f967e9d11d9577aa49d76436892aaeb538aec6"
			"463e7ec9",
		.auth_i =
			"16950307c2d321479ec72cf432bc2507a31e88e780bcea1ca5ec8f1fe77eff70",
		/* ikev2-chacha-nat.dev0.pcap frame 1 (IKE_SA_INIT request), Nonce payload data */
		.ni =
			"a40855e068b721b337a4e1c7484fc4684b303d77b04ba24b80865e2e2c28ac57",
		/* ikev2-chacha-nat.dev0.pcap frame 2 (IKE_SA_INIT response), Nonce payload data */
		.nr =
			"012a051ab78ca12809b7c78e54f331e0370a649dd8711ce6e2884af1d4d9a537",
		/* ikev2-chacha-nat.dev0.pcap frame 1, UDP payload (228 bytes) */
		.init_req =
			"c1455c377db24ae200000000000000002120220800000000000000e422000024"
			"0000002001010003030000080100001c0300000802000005000000080400001f"
			"28000028001f000065461ff6f584116e5495ec39567912897c8903dc251d7d0a"
			"69f4c7e8fa12ae1429000024a40855e068b721b337a4e1c7484fc4684b303d77"
			"b04ba24b80865e2e2c28ac572900001c0000400466129f6fd2fc3aa2b8f2b9ac"
			"a8532c11d50ea4952900001c00004005761ddc86bbdb03c36a40503325170787"
			"2dafdef6290000080000402e290000100000402f000200030004000500000008"
			"00004016",
		/* ikev2-chacha-nat.dev0.pcap frame 2, UDP payload (236 bytes) */
		.init_resp =
			"c1455c377db24ae252d129a8335215182120222000000000000000ec22000024"
			"0000002001010003030000080100001c0300000802000005000000080400001f"
			"28000028001f0000c4fed75810f98f877cdeb414d3d621e993a338d78c5ab200"
			"3e78b4f8880f450529000024012a051ab78ca12809b7c78e54f331e0370a649d"
			"d8711ce6e2884af1d4d9a5372900001c00004004f6dfa266d6fa0525e0c7ecf5"
			"a390d0e964ac90242900001c00004005b52f35cc0b7c2337ad17970cc4ed6b22"
			"7c28b506290000080000402e290000100000402f000200030004000529000008"
			"000040220000000800004014",
		/* ikev2-chacha-nat.dev0.pcap frame 3: IKE_AUTH request (289 bytes) */
		.auth_req =
			"c1455c377db24ae252d129a8335215182e202308000000010000012123000105"
			"89fa58f71af9b91f8fa36d111d2c920cccb3c956eba14a6e6006f5a2f66286ec"
			"acfce50825acc04b4ea55d41eda784b81bfb9be9a6c7fe71290ef63f2eaeea90"
			"984872e2e2325d41c8e0b0a62b4cf72361745f32609a0c4f33aae4f06327d90b"
			"86486aab684179f1c79dc2c15e825a3383448beaa9c09f93a092810a56ccb1b8"
			"1707ba9dffff80f1d910c6e80f6ac49610351cac54aa789f22d64ebf68afdb6a"
			"e17270c8dcf77a64e8bb53bbff0f8b850047460c69a6c2248b27c32981002dc6"
			"695937bdb2323bea0350be0071d7dfda2e19cbfda7cb7fbb53abbf953e018dbc"
			"3549974d2279df708f1c4b588c041079bb70b8c0eea27f783a63bb4ce4953d3c"
			"34",
		/* ikev2-chacha-nat.dev0.pcap frame 4: IKE_AUTH response (238 bytes) */
		.auth_resp =
			"c1455c377db24ae252d129a8335215182e20232000000001000000ee240000d2"
			"3580ed0a0153c925f91c10233a4c6c7e9f5e9fdd451ddbf78899d413d87e42f1"
			"92cea51286fc1cce5a4fb71a70fd5f1093db0bc6ff78ccdf939cc1b92c812120"
			"0154c99da636351bbaa579696ef3c5b916e12d74328072660a5e454e527ca9cc"
			"eecdd5b2ddbdb016ec65e826c5d22dd024ad623e6b63fa4053225ea82ef82975"
			"6efb8a357f2ea6999d41b724ca5a7956e0bf39a4f5914b2f2e4b0e3a031bb2d5"
			"d9fd19d3048222b8dcaaa2ce7626f321160318eee384d5d766585492d6e2a1c4"
			"0523cf57b1c24c0de2ba7f14e0c0",
		/* inner payloads: charon's message summary (.summary.txt) and
		 * swanctl.conf; lengths from a decryption with Python's cryptography
		 * (tshark 4.0 cannot decrypt ChaCha20-Poly1305) */
		.auth_req_plain_len = 232,
		.auth_resp_plain_len = 181,
		.auth_req_first = "2900001b",	/* IDi, next 41, length 27 */
		.auth_resp_first = "27000019",	/* IDr, next 39, length 25 */
		/* ID payload bodies: ID_RFC822_ADDR dev1@ss-anchor.test, FQDN gw.ss-anchor.test */
		.idi = "03000000646576314073732d616e63686f722e74657374",
		.idr = "0200000067772e73732d616e63686f722e74657374",
	},
};

#define IKE_KAT_COUNT (sizeof(ike_kats) / sizeof(ike_kats[0]))

#endif /* XDPSEC_TEST_IKE_KDF_VECTORS_H */
