/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Known-answer ESP packets, each decapsulated by test_esp.c and compared
 * with the plaintext (inner packet, padding, pad length, next header):
 *   - RFC 7634 Appendix A (ChaCha20-Poly1305 ESP example);
 *   - packets captured from strongSwan 5.9.8 (kernel-libipsec) on the test
 *     bed in shared/vectors/strongswan-5.9.8, AES-GCM-128 and ChaCha20-
 *     Poly1305; the plaintexts were cross-checked with Wireshark's own
 *     decryption in the *.decoded.txt files and with Python's cryptography;
 *   - the ESP test cases of draft-mcgrew-gcm-test-01 (McGrew, Viega: "The
 *     Use of Galois/Counter Mode (GCM) in IPsec ESP"), AES-GCM-128/256, with
 *     and without extended sequence numbers.
 * Keys are key | 4-byte salt.  Hex strings; whitespace is not allowed.
 */
#ifndef XDPSEC_TEST_ESP_VECTORS_H
#define XDPSEC_TEST_ESP_VECTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "esp.h"

enum { KAT_MAX_PACKETS = 3 };

struct kat_packet {
	const char *esp;		/* from the SPI to the ICV */
	const char *plaintext;		/* decrypted payload, trailer included */
	int result;			/* what esp_decap returns */
};

struct esp_kat {
	const char *name;
	enum esp_alg alg;
	bool esn;
	uint64_t window_top;		/* ESN: first move the receiver's top here */
	uint32_t spi;
	const char *key;
	struct kat_packet packets[KAT_MAX_PACKETS];	/* in order; .esp NULL ends */
};

static const struct esp_kat esp_kats[] = {
	/* RFC 7634 Appendix A: the ChaCha20-Poly1305 ESP example (SPI 0x01020304,
	 * seq 5, IV 0x1011121314151617), an ICMP echo request, next header 4. */
	{
		.name = "rfc7634-appendix-a",
		.alg = ESP_ALG_CHACHA20_POLY1305,
		.esn = false,
		.spi = 0x01020304,
		.key =
			"808182838485868788898a8b8c8d8e8f"
			"909192939495969798999a9b9c9d9e9f"
			"a0a1a2a3",
		.packets = {
			{
				.esp =
					"01020304000000051011121314151617"
					"24039428b97f417e3c13753a4f05087b"
					"67c352e6a7fab1b982d466ef407ae5c6"
					"14ee8099d52844eb61aa95dfab4c02f7"
					"2aa71e7c4c4f64c9befe2facc638e8f3"
					"cbec163fac469b502773f6fb94e664da"
					"9165b82829f641e076aaa8266b7fb0f7"
					"b11b369907e1ad43",
				.plaintext =
					"45000054a6f200004001e778c6336405"
					"c000020508005b7a3a080000553bec10"
					"0007362708090a0b0c0d0e0f10111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
		},
	},
	/* strongSwan 5.9.8, ikev2-psk-nat,
	 * dev -> gw, SPI b37f635c, "encryption initiator key":
	 * frames 5, 7, 9 of ikev2-psk-nat.dev0.pcap (ESP in UDP 4500), key from
	 * ikev2-psk-nat.keys.txt.  Inner: ICMP echo 10.77.100.1 <-> 10.77.1.2. */
	{
		.name = "strongswan-psk-nat-out",
		.alg = ESP_ALG_AES_GCM_128,
		.esn = false,
		.spi = 0xb37f635c,
		.key =
			"76c771abaa152b6ba168e4e66d26b63c"
			"e4645962",
		.packets = {
			{
				.esp =
					"b37f635c000000019b2b6bc30f19ad3e"
					"151f0f63a8d83a6286bd9ee0f49f3a4a"
					"98dbdbfb35b0b00f49eda51206d9bab2"
					"4a17d905babd331b86d463b0259d3522"
					"da11a712413bbc5870c604ac6b00d190"
					"d3d68f86ba6ba809d04fedcb00bfcc3f"
					"3395631d74b4118605e39fc5df90efe2"
					"26a2f225e4c49262",
				.plaintext =
					"450000546cee40004001541e0a4d6401"
					"0a4d010208006e7f3bb500012a45046b"
					"00000000594707000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
			{
				.esp =
					"b37f635c000000029b2b6bc30f19ad3d"
					"01059041d38ab0fa7ad093b5ea12ac85"
					"67fca10c7fb1421c7fec14d05a103450"
					"6e3072b84f0c719e83864439e84b28f6"
					"bea1aeda473f80579d6b9c2fa4613ee3"
					"591a87d9e8ae9301fe1f40fd2be7b483"
					"a0bbfa52d3f9306df030870ecb750743"
					"7329131ce98037c5",
				.plaintext =
					"450000546d0f4000400153fd0a4d6401"
					"0a4d01020800546a3bb500022a45046b"
					"00000000705b0a000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
			{
				.esp =
					"b37f635c000000039b2b6bc30f19ad3c"
					"7f186d89f11a77abc9de159bdc687709"
					"031809b3c7c4a5be0fd132bc9bcdfabd"
					"b98b15e749af895d0a192370489098bd"
					"d615474b3ee11f648721ca9d321a1304"
					"b5c8df322cdb18076c5b210c97deb43d"
					"f7b607a32fa041189af91e1952f42ea5"
					"b275a2ee9f7bbdb7",
				.plaintext =
					"450000546d2a4000400153e20a4d6401"
					"0a4d01020800374c3bb500032a45046b"
					"000000008a780d000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
		},
	},
	/* strongSwan 5.9.8, ikev2-psk-nat,
	 * gw -> dev, SPI bb5dd385, "encryption responder key":
	 * frames 6, 8 of ikev2-psk-nat.dev0.pcap (ESP in UDP 4500), key from
	 * ikev2-psk-nat.keys.txt.  Inner: ICMP echo 10.77.100.1 <-> 10.77.1.2. */
	{
		.name = "strongswan-psk-nat-in",
		.alg = ESP_ALG_AES_GCM_128,
		.esn = false,
		.spi = 0xbb5dd385,
		.key =
			"263cdabdb65f1ac7bf654f549ed2a857"
			"a61a9798",
		.packets = {
			{
				.esp =
					"bb5dd3850000000134d651458a9cad68"
					"429d5d6fedfdd61566e333156f8f402c"
					"3aa57735f662a3986e48c9ae1e5b7734"
					"26a63e82c736b633a67af294ba52f635"
					"0799c61d9bb6a168ce5f8a27c0c46fa5"
					"a0065cb55e3d6cbe6bf91ff4cda86650"
					"bc5dcce25591b6200278fabc23a95c2b"
					"576f3b17270bc80c",
				.plaintext =
					"45000054c6a900003f013b630a4d0102"
					"0a4d64010000767f3bb500012a45046b"
					"00000000594707000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
			{
				.esp =
					"bb5dd3850000000234d651458a9cad6b"
					"c17f563625ea9f7ccac1c13b39fb16cf"
					"e801ec05c55914f964e0e681fc5ebd75"
					"db0eadeb8c0a6fa1c21c6b16bc2ac133"
					"8a7dfaac3b5936ba612074a67300b292"
					"30d092eb8f66b2373d7fd887130c244e"
					"ce7cd17b8a24fe07cfcb4603a6bb8c76"
					"e65705f931e3ed4a",
				.plaintext =
					"45000054c6b300003f013b590a4d0102"
					"0a4d640100005c6a3bb500022a45046b"
					"00000000705b0a000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
		},
	},
	/* strongSwan 5.9.8, ikev2-chacha-nat,
	 * dev -> gw, SPI 93fec091, "encryption initiator key":
	 * frames 5, 7 of ikev2-chacha-nat.dev0.pcap (ESP in UDP 4500), key from
	 * ikev2-chacha-nat.keys.txt.  Inner: ICMP echo 10.77.100.1 <-> 10.77.1.2. */
	{
		.name = "strongswan-chacha-nat-out",
		.alg = ESP_ALG_CHACHA20_POLY1305,
		.esn = false,
		.spi = 0x93fec091,
		.key =
			"ba5d7f44c4bac91f2057bf20c9a2f43d"
			"714b51d015039ab5d3772af6817ade90"
			"1cc2801e",
		.packets = {
			{
				.esp =
					"93fec091000000012440dc4323bfadce"
					"8c0e2cbbc8b3430ae69082537d54cf3d"
					"c469857de3335641eb8f4180d9df156a"
					"8f24b7e4ebb558e006bce95aff93c6ba"
					"b242b51618c20dd279159ebed36bbcb2"
					"bef715a883e56ac18243240bfdf65ed3"
					"a71d5ec885aca2d8a75e4093a0fa1a09"
					"9671ee4878feca32",
				.plaintext =
					"4500005481c0400040013f4c0a4d6401"
					"0a4d01020800317c43ce00015245046b"
					"00000000653108000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
			{
				.esp =
					"93fec091000000022440dc4323bfadcd"
					"3e4dbf87cc13c9d10adf8a58d362cc85"
					"4628df95031c70f9edc3d98ffd878ea6"
					"1d9bd033414fb5e03ffa1e5b57a81093"
					"5ff8cc9173d0da6d7e965e6de63ec341"
					"df8b33ca1a65a047eb015fd6ab36508b"
					"994e622c54816d519121d35732e6d7cd"
					"73f65136dbc61247",
				.plaintext =
					"4500005481cf400040013f3d0a4d6401"
					"0a4d01020800d36643ce00025245046b"
					"00000000c0450b000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
		},
	},
	/* strongSwan 5.9.8, ikev2-chacha-nat,
	 * gw -> dev, SPI 0cab82f4, "encryption responder key":
	 * frames 6 of ikev2-chacha-nat.dev0.pcap (ESP in UDP 4500), key from
	 * ikev2-chacha-nat.keys.txt.  Inner: ICMP echo 10.77.100.1 <-> 10.77.1.2. */
	{
		.name = "strongswan-chacha-nat-in",
		.alg = ESP_ALG_CHACHA20_POLY1305,
		.esn = false,
		.spi = 0x0cab82f4,
		.key =
			"373e814d2aba95036f3cb6d9da1fb501"
			"1567226bb72df5a22665a942a8c39cac"
			"5a9c231c",
		.packets = {
			{
				.esp =
					"0cab82f400000001f3895b1af3bca3eb"
					"005ec47df1b573698d9e12211e5def6b"
					"9b88af28de1d55c409fd9a6895c4b670"
					"9578f52e71fe15311e8dd3b4b2ecfe90"
					"071d8e4d7db600256247b9c052496fae"
					"7edec878c82c918cd9f4f5d37f15a58d"
					"4280720145a7dc4a522672bcdc37b11c"
					"f21f4be6d8078fad",
				.plaintext =
					"45000054d8ff00003f01290d0a4d0102"
					"0a4d64010000397c43ce00015245046b"
					"00000000653108000000000010111213"
					"1415161718191a1b1c1d1e1f20212223"
					"2425262728292a2b2c2d2e2f30313233"
					"3435363701020204",
				.result = ESP_OK,
			},
		},
	},
	/* draft-mcgrew-gcm-test-01 ESP test case, AES-GCM-128, 32-bit seq 0x0a.
	 * Its next header is 1, which a tunnel refuses once the ICV verified:
	 * ESP_ERR_TRAILER. */
	{
		.name = "mcgrew-gcm128",
		.alg = ESP_ALG_AES_GCM_128,
		.esn = false,
		.spi = 0x0000a5f8,
		.key =
			"feffe9928665731c6d6a8f9467308308"
			"cafebabe",
		.packets = {
			{
				.esp =
					"0000a5f80000000afacedbaddecaf888"
					"deb22cd9b07c72c16e3a65beeb8df304"
					"a5a5897d33ae530f1ba76d5d114d2a5c"
					"3de81827c10e9a4f51330d0eec416642"
					"cfbb85a5b47e48a4ec3b9ba95d918bd1"
					"83b70d3aa8bc6ee4c309e9d85a41ad4a",
				.plaintext =
					"4500003e698f000080114dccc0a80102"
					"c0a801010a980035002a2343b2d00100"
					"00010000000000000373697009637962"
					"65726369747902646b00000100010001",
				.result = ESP_ERR_TRAILER,
			},
		},
	},
	/* draft-mcgrew-gcm-test-01 ESP test case, AES-GCM-256, 32-bit seq 2.
	 * Its next header is 1, which a tunnel refuses once the ICV verified:
	 * ESP_ERR_TRAILER. */
	{
		.name = "mcgrew-gcm256",
		.alg = ESP_ALG_AES_GCM_256,
		.esn = false,
		.spi = 0x4a2cbfe3,
		.key =
			"abbccddef00112233445566778899aab"
			"abbccddef00112233445566778899aab"
			"11223344",
		.packets = {
			{
				.esp =
					"4a2cbfe3000000020102030405060708"
					"ff425c9b724599df7a3bcd510194e00d"
					"6a78107f1b0b1cbf06efae9d65a5d763"
					"748a637985771d347f0545659f14e99d"
					"ef842d8eb335f4eecfdbf831824b4c49"
					"15956c96",
				.plaintext =
					"4500003069a6400080062690c0a80102"
					"9389155e0a9e008b2dc57ee000000000"
					"7002400020bf0000020405b401010402"
					"01020201",
				.result = ESP_ERR_TRAILER,
			},
		},
	},
	/* draft-mcgrew-gcm-test-01 ESP test case, AES-GCM-128, ESN 0x1010101010101010.
	 * Its next header is 1, which a tunnel refuses once the ICV verified:
	 * ESP_ERR_TRAILER. */
	{
		.name = "mcgrew-gcm128-esn",
		.alg = ESP_ALG_AES_GCM_128,
		.esn = true,
		.window_top = 0x1010101010101000ULL,
		.spi = 0x42f67e3f,
		.key =
			"3de09874b388e6491988d0c3607eae1f"
			"57690e43",
		.packets = {
			{
				.esp =
					"42f67e3f101010104e280000a2fca1a3"
					"fba2caa4853cf9f0f22cb10d86dd83b0"
					"fec75691cf1a04b00d1138ec9c357917"
					"65acbd8701ad79845bf9fe3fba487bc9"
					"1755e6662b4c8d0d1f5e22739530320a"
					"e0d731cc978ecafaeae88f00e80d6e48",
				.plaintext =
					"4500003c99c300008001cb7c40679318"
					"010101010800085c0200430061626364"
					"65666768696a6b6c6d6e6f7071727374"
					"75767761626364656667686901020201",
				.result = ESP_ERR_TRAILER,
			},
		},
	},
	/* draft-mcgrew-gcm-test-01 ESP test case, AES-GCM-256, ESN 0xffffffffffffffff.
	 * Its next header is 1, which a tunnel refuses once the ICV verified:
	 * ESP_ERR_TRAILER. */
	{
		.name = "mcgrew-gcm256-esn",
		.alg = ESP_ALG_AES_GCM_256,
		.esn = true,
		.window_top = 0xfffffffffffffff0ULL,
		.spi = 0x796b6963,
		.key =
			"6c6567616c697a656d6172696a75616e"
			"61616e64646f69746265666f72656961"
			"7475726e",
		.packets = {
			{
				.esp =
					"796b6963ffffffff333021696765746d"
					"f97ab2aa356d8edce17644ac8c78e25d"
					"d24dedbb29ebf1b64a274b39b49c3a86"
					"4cd3d78ca4ae68a32b42458fb57dbe82"
					"1dcc63b9d0937ba2945f669368661a32"
					"9fb4c053",
				.plaintext =
					"45000030da3a00008001df3bc0a80005"
					"c0a800010800c6cd0200070061626364"
					"65666768696a6b6c6d6e6f7071727374"
					"01020201",
				.result = ESP_ERR_TRAILER,
			},
		},
	},
};

#endif /* XDPSEC_TEST_ESP_VECTORS_H */
